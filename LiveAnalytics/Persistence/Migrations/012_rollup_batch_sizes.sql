-- How many events each stored batch holds and when it was stored, so that the rollup job can let a busy
-- site's batches gather for a few seconds: its cost is mostly per visit touched, not per event, so one run
-- over ten seconds of a busy store costs a fraction of five runs over two seconds each.
-- Batches stored before this migration count as small and as stored now.
ALTER TABLE rollup_batches ADD COLUMN IF NOT EXISTS events int NOT NULL DEFAULT 0;
ALTER TABLE rollup_batches ADD COLUMN IF NOT EXISTS stored_at timestamptz NOT NULL DEFAULT now();
