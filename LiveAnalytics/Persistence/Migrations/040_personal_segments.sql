-- Personal segments: saved filters only their author sees and picks ("my checkout debugging"), beside the team's. A
-- name is unique among the team's segments and among each author's own, so a personal one never blocks a teammate's
-- name (nor tells that it exists).
ALTER TABLE segments ADD COLUMN IF NOT EXISTS personal boolean NOT NULL DEFAULT false;
ALTER TABLE segments DROP CONSTRAINT IF EXISTS segments_site_id_name_key;
CREATE UNIQUE INDEX IF NOT EXISTS segments_site_name ON segments (site_id, name) WHERE NOT personal;
CREATE UNIQUE INDEX IF NOT EXISTS segments_author_name ON segments (site_id, created_by, name) WHERE personal;
