-- A key may be limited to some of its user's sites; a key without rows here reaches all of them.
CREATE TABLE api_key_sites (
    api_key_id bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    site_id    bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (api_key_id, site_id)
);
