-- A member's monthly report, beside the weekly one: whether they asked for it, and the first day of the last month sent.
ALTER TABLE site_members ADD COLUMN IF NOT EXISTS monthly_report boolean NOT NULL DEFAULT false;
ALTER TABLE site_members ADD COLUMN IF NOT EXISTS monthly_report_sent date;
