-- A member's traffic alert: a mail once at least this many visitors are online on the site (null: none), and when
-- the last one went (at most one in 12 hours).
ALTER TABLE site_members ADD COLUMN IF NOT EXISTS traffic_alert integer CHECK (traffic_alert > 0);
ALTER TABLE site_members ADD COLUMN IF NOT EXISTS traffic_alert_sent timestamptz;
