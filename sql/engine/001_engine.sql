-- engine 001: the workflow engine — runs, step checkpoints, the audit log, workers and schedules.
--
-- The state rules live here, so that the database refuses an illegal row even if the code has a bug.
-- Migrations run in one transaction each (see ferry migrate); every object is schema-qualified.

-- The schema and ferry.schema_migrations are the migrator's own: it creates them before the first migration.

-- A workflow definition as it was when a run started: runs finish under the version they began with.
CREATE TABLE ferry.workflow_definitions (
    version        text PRIMARY KEY CHECK (version ~ '^[0-9a-f]{64}$'), -- SHA-256 of the YAML source
    name           text NOT NULL,
    source         text NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ferry.workers (
    id            text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    hostname      text NOT NULL,
    pid           integer NOT NULL,
    concurrency   integer NOT NULL CHECK (concurrency > 0),
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    stopped_at    timestamptz
);

CREATE TABLE ferry.schedules (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'),
    workflow      text NOT NULL,
    cron          text NOT NULL,
    time_zone     text NOT NULL,
    input         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input) = 'object'),
    -- At most one run per concurrency key is in flight; a fire that would overlap is skipped.
    concurrency_key text,
    paused        boolean NOT NULL DEFAULT false,
    next_fire_at  timestamptz NOT NULL,
    last_fire_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE ferry.run_status AS ENUM ('pending', 'running', 'waiting', 'succeeded', 'failed', 'cancelled');

CREATE TABLE ferry.runs (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow             text NOT NULL,
    definition_version   text NOT NULL REFERENCES ferry.workflow_definitions (version),
    input                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input) = 'object'),
    idempotency_key      text UNIQUE,
    concurrency_key      text,
    schedule_id          text REFERENCES ferry.schedules (id),
    scheduled_for        timestamptz,
    status               ferry.run_status NOT NULL DEFAULT 'pending',
    step_count           integer NOT NULL CHECK (step_count > 0),
    step_index           integer NOT NULL DEFAULT 0 CHECK (step_index >= 0),
    step_attempt         integer NOT NULL DEFAULT 0 CHECK (step_attempt >= 0), -- failed attempts of the current step
    step_polls           integer NOT NULL DEFAULT 0 CHECK (step_polls >= 0),   -- "not yet" answers of the current step
    step_started_at      timestamptz,
    last_error           text,
    -- When a worker should next look at the run: a pending or waiting run's wake-up time, a running
    -- run's lease expiry; NULL once finished. Claims scan this one index.
    next_wake_at         timestamptz,
    lease_owner          text REFERENCES ferry.workers (id),
    lease_expires_at     timestamptz,
    lease_epoch          bigint NOT NULL DEFAULT 0, -- fencing token: bumped by every claim
    cancel_requested_at  timestamptz,
    cancel_requested_by  text,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    started_at           timestamptz,
    finished_at          timestamptz,
    CONSTRAINT runs_step_in_range CHECK (step_index <= step_count),
    CONSTRAINT runs_lease_iff_running CHECK (
        (status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT runs_running_due_at_lease_expiry CHECK (status <> 'running' OR next_wake_at = lease_expires_at),
    CONSTRAINT runs_due_iff_unfinished CHECK (
        (status IN ('succeeded', 'failed', 'cancelled')) = (next_wake_at IS NULL)),
    CONSTRAINT runs_finished_at_iff_finished CHECK (
        (status IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CONSTRAINT runs_succeeded_after_last_step CHECK (status <> 'succeeded' OR step_index = step_count),
    CONSTRAINT runs_failed_with_error CHECK (status <> 'failed' OR last_error IS NOT NULL),
    CONSTRAINT runs_cancel_request_has_actor CHECK ((cancel_requested_at IS NULL) = (cancel_requested_by IS NULL))
) WITH (fillfactor = 80); -- room on each page for HOT updates: a step checkpoint changes no indexed column

CREATE INDEX runs_due ON ferry.runs (next_wake_at) WHERE next_wake_at IS NOT NULL;
CREATE INDEX runs_created_at ON ferry.runs (created_at);
CREATE UNIQUE INDEX runs_one_in_flight_per_concurrency_key ON ferry.runs (concurrency_key)
    WHERE concurrency_key IS NOT NULL AND status IN ('pending', 'running', 'waiting');
CREATE UNIQUE INDEX runs_one_per_schedule_fire ON ferry.runs (schedule_id, scheduled_for)
    WHERE schedule_id IS NOT NULL;

-- Wake idle workers when a run becomes due now (created, resumed, released), not when it is parked.
CREATE FUNCTION ferry.notify_run_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ferry_run_due', '');
    RETURN NULL;
END $$;

CREATE TRIGGER runs_notify_due
    AFTER INSERT OR UPDATE OF next_wake_at ON ferry.runs
    FOR EACH ROW WHEN (NEW.status IN ('pending', 'waiting') AND NEW.next_wake_at <= now())
    EXECUTE FUNCTION ferry.notify_run_due();

-- One row per completed step: written in the same transaction that advances the run.
CREATE TABLE ferry.step_checkpoints (
    run_id        uuid NOT NULL REFERENCES ferry.runs (id),
    step_index    integer NOT NULL CHECK (step_index >= 0),
    step_name     text NOT NULL,
    output        jsonb NOT NULL,
    attempts      integer NOT NULL CHECK (attempts >= 1),
    polls         integer NOT NULL CHECK (polls >= 0),
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL DEFAULT now(),
    worker_id     text NOT NULL,
    lease_epoch   bigint NOT NULL,
    PRIMARY KEY (run_id, step_index)
);

-- The audit log: append-only, enforced below.
CREATE TABLE ferry.events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    run_id       uuid REFERENCES ferry.runs (id),
    kind         text NOT NULL CHECK (kind ~ '^[a-z]+(\.[a-z_]+)+$'),
    step_name    text,
    actor        text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object')
);

CREATE INDEX events_run ON ferry.events (run_id, id) WHERE run_id IS NOT NULL;
CREATE INDEX events_occurred_at ON ferry.events (occurred_at);

CREATE FUNCTION ferry.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ferry.events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ferry.events
    FOR EACH STATEMENT EXECUTE FUNCTION ferry.refuse_event_change();
