-- A member's tracking check: a mail when the site has had no pageviews for this many hours (its pages lost the
-- snippet, the store is down). Counted from the last pageview, or from when the check was set if none came since;
-- one mail per quiet spell (sent before the last pageview: the spell it was for is over).
ALTER TABLE site_members
    ADD COLUMN IF NOT EXISTS silence_alert_hours int,
    ADD COLUMN IF NOT EXISTS silence_alert_since timestamptz,
    ADD COLUMN IF NOT EXISTS silence_alert_sent timestamptz;
