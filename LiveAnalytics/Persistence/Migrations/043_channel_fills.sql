-- Channels for the history stored before them (migration 042): each site with events gets a fill that works out the
-- channel of its older visit starts from their stored referrer, medium and UTM columns, oldest first, up to the moment
-- of this migration (newer events got theirs as they arrived). When a site's fill is done its rollups are rebuilt, as
-- a rebuild asked for on its settings page is, so the history's Channel tab covers every day its raw events cover.
CREATE TABLE channel_fills (
    site_id    bigint      PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    until      timestamptz NOT NULL,                   -- events from then on have their channel
    after_ts   timestamptz NOT NULL DEFAULT '-infinity',   -- the last event done, by (ts, id)
    after_id   uuid        NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'
);
INSERT INTO channel_fills (site_id, until)
SELECT s.id, now() FROM sites s WHERE EXISTS (SELECT 1 FROM events e WHERE e.site_id = s.id AND e.channel IS NULL);
