-- A site's monthly summary in its chat channel, from the 1st at 07:00 in the site's zone; monthly_report_sent is the
-- first day of the last month posted.
ALTER TABLE site_webhooks
    ADD COLUMN IF NOT EXISTS monthly_report boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS monthly_report_sent date;
