-- Every insert paid for this index and no query reads it: sessions are read by site and time (events_site_ts).
DROP INDEX IF EXISTS events_site_session;
