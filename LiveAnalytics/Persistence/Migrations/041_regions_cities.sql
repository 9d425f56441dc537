-- A visitor's region (their country's first subdivision: England, Bavaria, California) and city, by their English names,
-- from a MaxMind City database when the operator configures one (a Country database gives neither). Kept on the events
-- and in the table of visits as the country is; older rows have none ("Unknown").
ALTER TABLE events ADD COLUMN IF NOT EXISTS region text, ADD COLUMN IF NOT EXISTS city text;
ALTER TABLE visits ADD COLUMN IF NOT EXISTS region text, ADD COLUMN IF NOT EXISTS city text;
