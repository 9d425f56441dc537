-- A table of visits (ADR 7). The incremental rollup already kept each visit it followed in rollup_visits, and purged the
-- ones that could no longer grow; kept, they answer filtered views on a visit's own dimensions (source, country, entry
-- page, …) without settling visits from raw events every time. Retention deletes them with their events.
ALTER TABLE rollup_visits RENAME TO visits;
ALTER INDEX rollup_visits_pkey RENAME TO visits_pkey;
DROP INDEX rollup_visits_seen;   -- it served the purge only
CREATE INDEX visits_started ON visits (site_id, started);

-- From when a site's visits are all in the table. New sites: always. Sites that had events: the visits the rollup still
-- followed (seen in the last three hours) are there, the older ones are filled from the raw events, a day at a time going
-- back (Stats/VisitsFill.cs), and filtered views of a period before this keep reading the raw events until then.
ALTER TABLE sites ADD COLUMN visits_from timestamptz NOT NULL DEFAULT '-infinity';
UPDATE sites s SET visits_from = now() - interval '2 hours'
WHERE EXISTS (SELECT 1 FROM events e WHERE e.site_id = s.id);
