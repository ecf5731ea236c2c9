-- dr 001: alerts — a durable outbox delivered through SNS, the RPO breach state, and the failed-run trigger.
--
-- An alert is a row before it is a message: it is written in the transaction that causes it (a run failing,
-- a breach opening), so a worker dying right after that commit loses nothing. Any worker delivers it later.

CREATE TABLE ferry.alerts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('run_failed', 'rpo_breach', 'rpo_recovered')),
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 100), -- SNS limits a subject to 100 characters
    message       text NOT NULL CHECK (length(message) > 0),
    -- One alert per cause: a failure of a run at one time, one breach opening or closing.
    dedupe_key    text NOT NULL UNIQUE,
    run_id        uuid REFERENCES ferry.runs (id),
    database      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error    text,
    -- When delivery is next tried: backs off after a failed publish.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alerts_delivered_after_an_attempt CHECK (delivered_at IS NULL OR attempts >= 1)
);

CREATE INDEX alerts_undelivered ON ferry.alerts (next_attempt_at) WHERE delivered_at IS NULL;

-- When the RPO check first saw a database protected: with no snapshot yet, its RPO counts from then.
CREATE TABLE ferry.protected_databases (
    database       text PRIMARY KEY,
    first_seen_at  timestamptz NOT NULL DEFAULT now()
);

-- A period during which a database's newest DR snapshot was older than its RPO. At most one open per database.
CREATE TABLE ferry.rpo_breaches (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    database            text NOT NULL,
    opened_at           timestamptz NOT NULL,
    newest_snapshot_id  text,
    newest_snapshot_at  timestamptz,
    rpo_seconds         float8 NOT NULL CHECK (rpo_seconds > 0),
    closed_at           timestamptz,
    closed_by_snapshot  text,
    CONSTRAINT rpo_breaches_closed_after_opened CHECK (closed_at IS NULL OR closed_at >= opened_at)
);

CREATE UNIQUE INDEX rpo_breaches_one_open_per_database ON ferry.rpo_breaches (database) WHERE closed_at IS NULL;

-- Status reads a database's newest cycles by concurrency key (`backup:<db>`).
CREATE INDEX runs_by_concurrency_key ON ferry.runs (concurrency_key, created_at) WHERE concurrency_key IS NOT NULL;

-- A run that fails queues its alert in the same transaction. The failing step is the one named by the
-- run's newest step event (the run.failed event of the same statement, else the last wait or retry).
CREATE FUNCTION ferry.alert_run_failed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    database text := NEW.input->>'database';
    step text;
BEGIN
    SELECT e.step_name INTO step FROM ferry.events e
    WHERE e.run_id = NEW.id AND e.step_name IS NOT NULL ORDER BY e.id DESC LIMIT 1;
    step := coalesce(step, format('%s of %s', NEW.step_index + 1, NEW.step_count));
    INSERT INTO ferry.alerts (kind, subject, message, dedupe_key, run_id, database)
    VALUES (
        'run_failed',
        left(format('Ferry %s failed%s', NEW.workflow, coalesce(': ' || database, '')), 100),
        format('Ferry %s%s failed at step %s: %s — run %s (ferry runs show %s)',
               NEW.workflow, coalesce(' of ' || database, ''), step, NEW.last_error, NEW.id, NEW.id),
        format('run_failed:%s:%s', NEW.id, extract(epoch FROM NEW.finished_at)),
        NEW.id, database)
    ON CONFLICT (dedupe_key) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER runs_alert_failed
    AFTER UPDATE OF status ON ferry.runs
    FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status IS DISTINCT FROM 'failed')
    EXECUTE FUNCTION ferry.alert_run_failed();
