# Sourced by scripts/test, scripts/demo and scripts/bench: starts a throwaway PostgreSQL cluster and the
# moto AWS server on loopback, exports where they listen, and stops both when the calling shell exits.
#
#   source scripts/services.sh
#   ferry_services_start [postgres] [moto] [slow_moto]
#
# FERRY_POSTGRES_OPTIONS, if set, adds server options (e.g. "-c shared_preload_libraries=pg_stat_statements").
# Exports FERRY_TEST_DATABASE_URL (a superuser URL to the cluster's `postgres` database),
# AWS_ENDPOINT_URL (the moto server) with dummy AWS credentials, and FERRY_TEST_SLOW_AWS_ENDPOINT_URL.

FERRY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FERRY_SERVICES_DIR=""

ferry_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ferry_as_postgres() {
    # initdb and postgres refuse to run as root; CI runs as root.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ferry_start_postgres() {
    local bindir data port
    bindir=$(pg_config --bindir)
    data="$FERRY_SERVICES_DIR/pgdata"
    port=$(ferry_free_port)
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$FERRY_SERVICES_DIR" "$data"
    ferry_as_postgres "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$FERRY_SERVICES_DIR/initdb.log" 2>&1 \
        || { cat "$FERRY_SERVICES_DIR/initdb.log" >&2; return 1; }
    ferry_as_postgres "$bindir/pg_ctl" -D "$data" -l "$FERRY_SERVICES_DIR/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c max_connections=300 ${FERRY_POSTGRES_OPTIONS:-}" start >/dev/null \
        || { cat "$FERRY_SERVICES_DIR/postgres.log" >&2; return 1; }
    export FERRY_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "postgres: listening on 127.0.0.1:$port (data $data)" >&2
}

# The moto server; exports AWS_ENDPOINT_URL and dummy credentials.
ferry_start_moto() {
    ferry_launch_moto AWS_ENDPOINT_URL 0 || return 1
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
    unset AWS_SESSION_TOKEN AWS_PROFILE
}

# A second moto server whose new snapshots, instances and clusters stay in progress (creating; a DB snapshot
# copy pending then creating, a cluster snapshot copy copying) for 2 describes, so the DR workflows' waiting
# paths run; exports FERRY_TEST_SLOW_AWS_ENDPOINT_URL. Both servers are scripts/rds_emulator.py on moto: its
# control API (limits, time mode, clock, call counts per region) is under $URL/ferry-api/.
ferry_start_slow_moto() {
    ferry_launch_moto FERRY_TEST_SLOW_AWS_ENDPOINT_URL 2
}

# ferry_launch_moto VARIABLE POLLS: starts moto-server.py on a free port and exports its URL as VARIABLE.
ferry_launch_moto() {
    local variable=$1 polls=$2 port
    port=$(ferry_free_port)
    FERRY_MOTO_SNAPSHOT_POLLS=$polls FERRY_MOTO_INSTANCE_POLLS=$polls \
        python3 "$FERRY_ROOT/scripts/moto-server.py" --port "$port" >"$FERRY_SERVICES_DIR/moto-$port.log" 2>&1 &
    echo $! >>"$FERRY_SERVICES_DIR/moto.pids"
    for _ in $(seq 1 100); do
        if curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
            export "$variable=http://127.0.0.1:$port"
            echo "moto: listening on http://127.0.0.1:$port (resources wait $polls describes)" >&2
            return 0
        fi
        sleep 0.1
    done
    cat "$FERRY_SERVICES_DIR/moto-$port.log" >&2
    return 1
}

ferry_services_stop() {
    [ -n "$FERRY_SERVICES_DIR" ] || return 0
    if [ -f "$FERRY_SERVICES_DIR/moto.pids" ]; then
        kill $(cat "$FERRY_SERVICES_DIR/moto.pids") 2>/dev/null
    fi
    if [ -d "$FERRY_SERVICES_DIR/pgdata" ]; then
        ferry_as_postgres "$(pg_config --bindir)/pg_ctl" -D "$FERRY_SERVICES_DIR/pgdata" -m immediate stop >/dev/null 2>&1
    fi
    rm -rf "$FERRY_SERVICES_DIR"
    FERRY_SERVICES_DIR=""
}

ferry_services_start() {
    FERRY_SERVICES_DIR=$(mktemp -d /tmp/ferry-services.XXXXXX)
    chmod 755 "$FERRY_SERVICES_DIR"
    trap ferry_services_stop EXIT
    local service
    for service in "$@"; do
        "ferry_start_$service" || return 1
    done
}
