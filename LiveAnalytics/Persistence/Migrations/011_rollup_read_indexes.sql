-- Reads of top lists over long ranges (issue 5). Daily rows carry a visitor sketch of up to ~1.3 KB,
-- so scanning them is reading megabytes. Ranking the values by events comes from this narrow index
-- alone (an index-only scan), and only the leading values' rows are then read, by value.
CREATE INDEX IF NOT EXISTS rollup_days_rank ON rollup_days (site_id, dimension, day) INCLUDE (value, events);
CREATE INDEX IF NOT EXISTS rollup_days_value ON rollup_days (site_id, dimension, value, day);
