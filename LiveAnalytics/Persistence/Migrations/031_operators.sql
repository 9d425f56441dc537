-- The accounts of the people who run the server (granted with the `operator` command): they may open /jobs, Hangfire's
-- dashboard of the background jobs, and act on the jobs there. An account's sites and members are not affected.
CREATE TABLE IF NOT EXISTS operators (
    user_id    uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now()
);
