-- A site's weekly summary in its chat channel (the webhook's), Monday morning in the site's zone; weekly_report_sent is
-- the first day of the last week posted, as a member's weekly_report_sent is for their mail.
ALTER TABLE site_webhooks
    ADD COLUMN IF NOT EXISTS weekly_report boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS weekly_report_sent date;
