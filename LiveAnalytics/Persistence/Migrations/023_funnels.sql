-- Funnels a merchant sets for a site: 2 to 8 steps, each a custom event by name or a visit to pages matching a path
-- pattern (as goals are), in parallel arrays. The history dashboard counts, from the stored events, the visitors who
-- went through the steps in that order within one visit.
CREATE TABLE IF NOT EXISTS funnels (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id  bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name     text   NOT NULL,
    kinds    text[] NOT NULL,
    patterns text[] NOT NULL,
    UNIQUE (site_id, name)
);
