-- The custom properties' day rollup (ADR 8, as funnels have theirs): for each closed local day of a site, each property
-- name's most-visited values (at most 100 a day, so that order numbers and the like stay bounded) with a visitor sketch,
-- pageviews, events and revenue, and the name's total over all its values (value NULL). The properties card without
-- filters unites the period's days and reads only today from the raw events.
CREATE TABLE property_days (
    site_id   bigint  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day       date    NOT NULL,
    name      text    NOT NULL,
    value     text,
    visitors  hll     NOT NULL,
    pageviews bigint  NOT NULL,
    events    bigint  NOT NULL,
    revenue   numeric NOT NULL,
    UNIQUE NULLS NOT DISTINCT (site_id, day, name, value)
);

-- The days made, with the site's events of the day (from rollup_days) then: a day whose number has changed since (an
-- import, late events, a rebuild) is made again.
CREATE TABLE property_days_made (
    site_id bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day     date   NOT NULL,
    events  bigint NOT NULL,
    PRIMARY KEY (site_id, day)
);
