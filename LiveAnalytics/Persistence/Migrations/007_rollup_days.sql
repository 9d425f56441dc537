-- Daily rollups: the hourly rows of each local day merged (sums, and the union of the visitor
-- sketches), rebuilt with the hours. A 90-day dashboard reads 90 rows per value instead of 2,160.
CREATE TABLE rollup_days (
    site_id       bigint           NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day           date             NOT NULL,   -- the site's local day
    dimension     text             NOT NULL,
    value         text             NOT NULL,
    visitors      hll              NOT NULL,
    pageviews     bigint           NOT NULL,
    events        bigint           NOT NULL,
    revenue       numeric          NOT NULL,
    visits        bigint           NOT NULL,
    bounces       bigint           NOT NULL,
    visit_seconds double precision NOT NULL,
    PRIMARY KEY (site_id, dimension, day, value)
);
