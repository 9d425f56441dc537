-- Engagement: how long a page view was looked at and how far down it was read, as the tracker reports it when the page
-- is hidden or left (TrackedEvent.Engagement). Reports are kept by id, so a redelivered one is counted once, and summed
-- per UTC hour and page as they are stored, for the dashboard's pages list. No foreign key to sites, as events have
-- none: reports still in the stream when a site goes are stored after it, and the retention job deletes both tables'
-- rows of deleted sites.
CREATE TABLE IF NOT EXISTS engagements (
    id          uuid        PRIMARY KEY,
    site_id     bigint      NOT NULL,
    ts          timestamptz NOT NULL,
    pathname    text        NOT NULL,
    session_id  bigint      NOT NULL,
    engaged_ms  integer     NOT NULL,
    scroll_gain smallint    NOT NULL,   -- how much deeper (percent of the page) than at the page view's last report
    first       boolean     NOT NULL    -- the page view's first report: one per engaged page view
);
CREATE INDEX IF NOT EXISTS engagements_site_ts ON engagements (site_id, ts);

CREATE TABLE IF NOT EXISTS engagement_hours (
    site_id    bigint      NOT NULL,
    hour       timestamptz NOT NULL,   -- UTC
    pathname   text        NOT NULL,
    views      bigint      NOT NULL,   -- engaged page views (first reports)
    engaged_ms bigint      NOT NULL,
    scroll     bigint      NOT NULL,   -- sum of the gains: of each view, its deepest scroll
    -- By page first: the dashboard reads a list's ten pages over a range (a year is 8,760 hours of every page).
    PRIMARY KEY (site_id, pathname, hour)
);
