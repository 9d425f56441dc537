-- A member's weekly report by mail: whether they asked for it, and the Monday of the last week it was sent for (so a
-- node that was down on Monday sends it later, and no week goes twice).
ALTER TABLE site_members ADD COLUMN IF NOT EXISTS weekly_report boolean NOT NULL DEFAULT false;
ALTER TABLE site_members ADD COLUMN IF NOT EXISTS weekly_report_sent date;
