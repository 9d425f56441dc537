-- The rollup reads each stored batch's events back through (site_id, ts) over the batch's time span, which
-- reads every event of the site in that span. For a live batch (seconds) that is about twice its own rows;
-- for an import of history (a span of hours or days, often not sorted by time) it is every event of those
-- days, again for each batch: the rollup fell minutes behind a 15-second backfill in the bench. A batch that
-- spans more than a minute notes its events' ids instead, and is read back by primary key. (An index on
-- events.batch would do the same for every batch, at a cost to every insert.)
ALTER TABLE rollup_batches ADD COLUMN IF NOT EXISTS ids uuid[];
