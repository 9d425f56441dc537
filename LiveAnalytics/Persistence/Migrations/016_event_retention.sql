-- How many days a site keeps its raw events; null keeps them for ever. The retention job deletes older ones,
-- whole UTC hours at a time; the hourly and daily rollups the dashboards read are kept whatever this says.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS keep_events_days int
    CHECK (keep_events_days IS NULL OR keep_events_days BETWEEN 30 AND 36500);
