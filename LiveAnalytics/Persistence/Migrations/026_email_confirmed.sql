-- Whether the account's holder has shown they read its address (a mailed link, an invitation mailed to it, a password
-- reset by mail). With an SMTP server configured an account signs in only once it is. Accounts from before this
-- column count as confirmed, and so do those a node of the earlier version makes during a rolling upgrade.
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_confirmed boolean NOT NULL DEFAULT true;
