-- Funnel rollups (ADR 8): for each funnel and each closed local day of its site, a visitor sketch per step of the visits
-- whose first step was taken that day. A period's funnel is the union of its days' sketches, with the last two days read
-- from the raw events; a 12-month funnel no longer scans 12 months of events on every view, report and API call.
-- events: the site's events of the day before, the day and the day after when the sketches were made (from the rollups);
-- the day is made again when that number changes (an import, late events, a rebuild after a time zone change).
CREATE TABLE funnel_days (
    funnel_id bigint NOT NULL REFERENCES funnels (id) ON DELETE CASCADE,
    day       date   NOT NULL,
    events    bigint NOT NULL,
    steps     hll[]  NOT NULL,
    PRIMARY KEY (funnel_id, day)
);
