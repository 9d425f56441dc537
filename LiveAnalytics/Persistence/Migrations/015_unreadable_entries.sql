-- Stream entries the flush job cannot read (damaged, or written in a form this version does not know): they
-- were logged and acknowledged, and their events lost with them. They are kept here as they were, with the
-- error, before they are acknowledged; an entry with only some events unreadable is kept whole, its readable
-- events stored as usual.
CREATE TABLE IF NOT EXISTS unreadable_entries (
    stream_id text        PRIMARY KEY,
    kept_at   timestamptz NOT NULL DEFAULT now(),
    error     text        NOT NULL,
    payload   bytea,      -- field b (events, one JSON per line or compressed) or e (one event)
    sessions  text,       -- field vs, or v and s of a single event
    node      text
);
