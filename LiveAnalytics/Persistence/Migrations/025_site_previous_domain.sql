-- A site's domain can change (a store that moved or was renamed): for a while after, the old domain still names the site,
-- so that beacons from pages and caches still carrying the old snippet keep arriving. One previous domain per site, and
-- a domain is one site's previous domain at most.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS previous_domain text;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS previous_domain_until timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS sites_previous_domain ON sites (previous_domain) WHERE previous_domain IS NOT NULL;
