-- Events that passed validation but that PostgreSQL will not take (a value it rejects, or that cannot be
-- encoded): kept here, as JSON with the error, instead of being retried forever. One such event used to fail
-- its whole batch on every try, and the backlog behind it grew until ingestion answered 503 to everyone.
-- An operator reads them here, and can fix and re-insert them.
CREATE TABLE IF NOT EXISTS rejected_events (
    id          uuid        PRIMARY KEY,
    site_id     bigint      NOT NULL,
    ts          timestamptz NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    error       text        NOT NULL,
    event       text        NOT NULL
);
