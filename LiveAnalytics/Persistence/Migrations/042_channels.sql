-- A visit's acquisition channel (Organic Search, Paid Social, Email…: GA4's default channel groups), worked out when its
-- events arrive from their UTM parameters, click ids and referrer. Kept on the events and in the table of visits as the
-- source is; older rows have none ("(not set)").
ALTER TABLE events ADD COLUMN IF NOT EXISTS channel text;
ALTER TABLE visits ADD COLUMN IF NOT EXISTS channel text;
