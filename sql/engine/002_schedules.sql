-- engine 002: schedules kept in step with the configuration by the workers.
--
-- A schedule whose database is no longer protected is retired: its row and history stay, it never fires.
-- It comes back (with its next fire computed afresh) if the database is protected again.

ALTER TABLE ferry.schedules ADD COLUMN retired_at timestamptz;

-- The scheduler's scan: schedules that may be due.
CREATE INDEX schedules_due ON ferry.schedules (next_fire_at) WHERE NOT paused AND retired_at IS NULL;
