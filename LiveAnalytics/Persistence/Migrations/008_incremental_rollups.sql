-- Incremental rollups (issue 5). Each stored batch gets a number; the writer notes, per site, the
-- batch and the time span of its events in rollup_batches in the same transaction, and the rollup
-- job adds exactly those events to the hours and days (sums added, visitor sketches merged), so the
-- current hour costs what arrived since the last run instead of a rebuild of the whole hour.
CREATE SEQUENCE event_batches;
ALTER TABLE events ADD COLUMN batch bigint;   -- null for events stored before this migration

CREATE TABLE rollup_batches (
    site_id  bigint      NOT NULL,
    batch    bigint      NOT NULL,
    first_ts timestamptz NOT NULL,
    last_ts  timestamptz NOT NULL,
    PRIMARY KEY (site_id, batch)
);

-- The visits the incremental rollup is following: what each has added to the rollups so far, so
-- that the next event of the visit changes its contribution (a bounce becoming a visit, a longer
-- visit, another exit page) by the difference. Rows whose visit can no longer grow are purged.
CREATE TABLE rollup_visits (
    site_id      bigint      NOT NULL,
    session_id   bigint      NOT NULL,
    visitor_id   bigint      NOT NULL,
    started      timestamptz NOT NULL,
    first_id     uuid        NOT NULL,   -- the first event, whose attribution the visit carries
    last_ts      timestamptz NOT NULL,
    pageviews    bigint      NOT NULL,
    events       bigint      NOT NULL,
    revenue      numeric     NOT NULL,
    source       text, referrer text, utm_source text, utm_medium text, utm_campaign text,
    country      text, device text, browser text, os text,
    entry_page   text, entry_ts timestamptz, entry_id uuid,
    exit_page    text, exit_ts  timestamptz, exit_id  uuid,
    seen_at      timestamptz NOT NULL,   -- when the rollup last took an event of it
    PRIMARY KEY (site_id, session_id)
);
CREATE INDEX rollup_visits_seen ON rollup_visits (seen_at);

-- Visits under way when this migration runs are followed from here on (a visit lasts as long as
-- events keep coming less than 30 minutes apart: six hours back covers all but marathon visits).
WITH recent AS (
    SELECT * FROM events WHERE ts > now() - interval '6 hours' AND session_id <> 0
), totals AS (
    SELECT site_id, session_id, min(visitor_id) AS visitor_id, max(ts) AS last_ts,
           count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events, coalesce(sum(revenue_amount), 0) AS revenue
    FROM recent GROUP BY 1, 2 HAVING max(ts) > now() - interval '1 hour'
), firsts AS (
    SELECT DISTINCT ON (site_id, session_id) * FROM recent ORDER BY site_id, session_id, ts, id
), entries AS (
    SELECT DISTINCT ON (site_id, session_id) * FROM recent WHERE name = 'pageview' ORDER BY site_id, session_id, ts, id
), exits AS (
    SELECT DISTINCT ON (site_id, session_id) * FROM recent WHERE name = 'pageview' ORDER BY site_id, session_id, ts DESC, id DESC
)
INSERT INTO rollup_visits
SELECT t.site_id, t.session_id, t.visitor_id, f.ts, f.id, t.last_ts, t.pageviews, t.events, t.revenue,
       f.source, f.referrer, f.utm_source, f.utm_medium, f.utm_campaign, f.country, f.device, f.browser, f.os,
       en.pathname, en.ts, en.id, ex.pathname, ex.ts, ex.id, now()
FROM totals t
JOIN firsts f USING (site_id, session_id)
LEFT JOIN entries en USING (site_id, session_id)
LEFT JOIN exits ex USING (site_id, session_id);
