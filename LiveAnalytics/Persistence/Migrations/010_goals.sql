-- Goals a merchant sets for a site: a custom event by name ("Signup"), or a visit to pages matching a
-- path pattern ("/thank-you", "/order/*/done"). The dashboard counts their unique conversions.
CREATE TABLE goals (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind    text   NOT NULL CHECK (kind IN ('event', 'page')),
    pattern text   NOT NULL,
    UNIQUE (site_id, kind, pattern)
);
