-- engine 005: the effects ledger — side effects a step records before it makes them, and confirms after.
--
-- A step that deletes something records its intent (fenced by its lease) before the AWS call and confirms
-- it once AWS accepted it or answered that the thing is already gone. A step performed again after a crash
-- first completes the intents it finds unconfirmed. So every effect appears exactly once, whatever crash
-- or retry falls between the AWS call and the checkpoint; the DR layer's audit views read the ledger.

CREATE TABLE ferry.step_effects (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        uuid NOT NULL REFERENCES ferry.runs (id),
    step_index    integer NOT NULL CHECK (step_index >= 0),
    step_name     text NOT NULL,
    effect        text NOT NULL CHECK (effect ~ '^[a-z]+(\.[a-z_]+)+$'),
    target        text NOT NULL CHECK (length(target) BETWEEN 1 AND 1000),
    detail        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
    intended_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at  timestamptz,
    worker_id     text NOT NULL,
    lease_epoch   bigint NOT NULL,
    UNIQUE (run_id, effect, target)
);

CREATE INDEX step_effects_unconfirmed ON ferry.step_effects (run_id) WHERE confirmed_at IS NULL;
