#!/bin/sh
# Run by the postgres image when the postgres-data volume is first initialised (as POSTGRES_USER, the
# owner): Ferry's roles, and the login role the workers and the CLI use. Migration 9 (`ferry migrate`)
# grants the roles their rights; it creates ferry_worker and ferry_auditor itself when they are missing.
# Safe to run again: `docker compose exec postgres sh /docker-entrypoint-initdb.d/10-ferry-roles.sh`.
set -eu
password=$(cat /run/secrets/ferry-app-password)
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-ferry}" --dbname "${POSTGRES_DB:-ferry}" \
    --set=app_password="$password" <<'SQL'
SELECT 'CREATE ROLE ferry_worker NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry_worker') \gexec
SELECT 'CREATE ROLE ferry_auditor NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry_auditor') \gexec
SELECT 'CREATE ROLE ferry_app LOGIN IN ROLE ferry_worker' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry_app') \gexec
ALTER ROLE ferry_app PASSWORD :'app_password';
GRANT ferry_worker TO ferry_app;
SQL
