-- Rollups (issue 5). An hour is marked stale in the same transaction that stores events in it;
-- the rollup job re-rolls the site's local hours that the stale UTC hour touches.
CREATE TABLE rollup_dirty_hours (
    site_id bigint      NOT NULL,
    hour    timestamptz NOT NULL,   -- the start of a UTC hour
    PRIMARY KEY (site_id, hour)
);

-- One row per site, local hour, dimension and value; dimension '' value '' is the hour's totals.
-- Pageviews, events, revenue and the visitors sketch count events in the hour they happened. Visits,
-- bounces and visit seconds count each visit once, in the local hour where it began, with the whole
-- visit's pageviews and length: so hours add up to days and months. Visit dimensions (source,
-- referrer, utm_*, country, device, browser, os, entry and exit page) take the visit's values; page
-- and event take the event's own. A missing value is stored as ''.
CREATE TABLE rollup_hours (
    site_id       bigint           NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    hour          timestamp        NOT NULL,   -- local time in the site's time zone
    dimension     text             NOT NULL,
    value         text             NOT NULL,
    visitors      hll              NOT NULL,
    pageviews     bigint           NOT NULL,
    events        bigint           NOT NULL,
    revenue       numeric          NOT NULL,
    visits        bigint           NOT NULL,
    bounces       bigint           NOT NULL,
    visit_seconds double precision NOT NULL,
    PRIMARY KEY (site_id, dimension, hour, value)
);
