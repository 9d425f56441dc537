-- Annotations: a site's team notes what happened on a day ("Black Friday sale", "new checkout live"), shown on the
-- history chart at that day. A day is the site's local day, as the chart's buckets are. The author is kept while the
-- account exists; an annotation outlives its author's account, and goes with the site.
CREATE TABLE IF NOT EXISTS annotations (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    bigint      NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day        date        NOT NULL,
    text       text        NOT NULL,
    created_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS annotations_site_day ON annotations (site_id, day);
