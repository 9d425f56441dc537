-- Enrichment: sessions, attribution, client and country.
ALTER TABLE events RENAME COLUMN referrer_source TO source;
ALTER TABLE events
    ADD COLUMN session_id      bigint NOT NULL DEFAULT 0,
    ADD COLUMN medium          text,
    ADD COLUMN utm_source      text,
    ADD COLUMN utm_medium      text,
    ADD COLUMN utm_campaign    text,
    ADD COLUMN utm_content     text,
    ADD COLUMN utm_term        text,
    ADD COLUMN browser         text,
    ADD COLUMN browser_version text,
    ADD COLUMN os              text,
    ADD COLUMN os_version      text,
    ADD COLUMN device          text,
    ADD COLUMN country         text;
ALTER TABLE events ALTER COLUMN session_id DROP DEFAULT;
CREATE INDEX events_site_session ON events (site_id, session_id);

-- Per-site exclusions: client IP ranges and page path patterns ('*' matches anything).
CREATE TABLE site_exclusions (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind    text   NOT NULL CHECK (kind IN ('ip', 'path')),
    pattern text   NOT NULL,
    UNIQUE (site_id, kind, pattern)
);

-- A session: its entry and exit pages, duration and size, from its events.
CREATE VIEW sessions AS
SELECT site_id,
       session_id,
       min(visitor_id)                                                                     AS visitor_id,
       min(ts)                                                                             AS started_at,
       max(ts)                                                                             AS ended_at,
       (array_agg(pathname ORDER BY ts, id) FILTER (WHERE name = 'pageview'))[1]           AS entry_page,
       (array_agg(pathname ORDER BY ts DESC, id DESC) FILTER (WHERE name = 'pageview'))[1] AS exit_page,
       count(*) FILTER (WHERE name = 'pageview')                                           AS pageviews,
       count(*)                                                                            AS events
FROM events
GROUP BY site_id, session_id;
