-- A site's webhook (a Slack, Mattermost, Discord or Teams channel, or any URL): the site's traffic alert and tracking
-- check posted there, for the whole team, with or without a mail server. The address is a secret of the channel's and
-- is stored encrypted with the Data Protection keys. Thresholds and "sent" times work as a member's alerts do.
CREATE TABLE IF NOT EXISTS site_webhooks (
    site_id             bigint      PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    url                 text        NOT NULL,
    url_hint            text        NOT NULL,   -- what the settings show of it: scheme, host and the path's start
    traffic_alert       integer     CHECK (traffic_alert > 0),
    traffic_alert_sent  timestamptz,
    silence_alert_hours integer     CHECK (silence_alert_hours BETWEEN 1 AND 168),
    silence_alert_since timestamptz,
    silence_alert_sent  timestamptz,
    last_attempt        timestamptz,
    last_error          text        -- null: the last post was taken (2xx)
);
