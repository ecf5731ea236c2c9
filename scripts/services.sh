# Sourced by scripts/test, scripts/demo and scripts/bench: starts a throwaway PostgreSQL cluster and the
# moto AWS server on loopback, exports where they listen, and stops both when the calling shell exits.
#
#   source scripts/services.sh
#   ferry_services_start [postgres] [moto]
#
# Exports FERRY_TEST_DATABASE_URL (a superuser URL to the cluster's `postgres` database) and
# AWS_ENDPOINT_URL (the moto server), with dummy AWS credentials.

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
        -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c max_connections=300" start >/dev/null \
        || { cat "$FERRY_SERVICES_DIR/postgres.log" >&2; return 1; }
    export FERRY_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "postgres: listening on 127.0.0.1:$port (data $data)" >&2
}

ferry_start_moto() {
    local port
    port=$(ferry_free_port)
    python3 "$FERRY_ROOT/scripts/moto-server.py" --port "$port" >"$FERRY_SERVICES_DIR/moto.log" 2>&1 &
    echo $! >"$FERRY_SERVICES_DIR/moto.pid"
    for _ in $(seq 1 100); do
        if curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
            export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
            export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
            unset AWS_SESSION_TOKEN AWS_PROFILE
            echo "moto: listening on $AWS_ENDPOINT_URL" >&2
            return 0
        fi
        sleep 0.1
    done
    cat "$FERRY_SERVICES_DIR/moto.log" >&2
    return 1
}

ferry_services_stop() {
    [ -n "$FERRY_SERVICES_DIR" ] || return 0
    if [ -f "$FERRY_SERVICES_DIR/moto.pid" ]; then
        kill "$(cat "$FERRY_SERVICES_DIR/moto.pid")" 2>/dev/null
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
