-- hll backs the unique-visitor sketches of the rollups; creating it here proves the server has it.
CREATE EXTENSION IF NOT EXISTS hll;

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    email               text NOT NULL,
    normalized_email    text NOT NULL UNIQUE,
    password_hash       text,
    security_stamp      text,
    concurrency_stamp   text,
    lockout_end         timestamptz,
    lockout_enabled     boolean NOT NULL DEFAULT true,
    access_failed_count integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sites (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain     text NOT NULL UNIQUE,
    name       text NOT NULL,
    timezone   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_members (
    site_id bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    user_id uuid   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    text   NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    PRIMARY KEY (site_id, user_id)
);
CREATE INDEX site_members_user ON site_members (user_id);

-- Keys belong to a user and reach that user's sites. Only a SHA-256 of the key is kept:
-- keys are 256 random bits, so a slow hash would add nothing but latency.
CREATE TABLE api_keys (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text   NOT NULL,
    prefix     text   NOT NULL,
    key_hash   bytea  NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- One secret salt per UTC day for visitor ids; old ones are deleted so ids cannot be linked across days.
CREATE TABLE visitor_salts (
    day  date  PRIMARY KEY,
    salt bytea NOT NULL
);

CREATE TABLE events (
    id               uuid        PRIMARY KEY,
    site_id          bigint      NOT NULL,
    ts               timestamptz NOT NULL,
    name             text        NOT NULL,
    hostname         text        NOT NULL,
    pathname         text        NOT NULL,
    referrer         text,
    referrer_source  text,
    visitor_id       bigint      NOT NULL,
    props            jsonb,
    revenue_amount   numeric(18, 4),
    revenue_currency text
);
CREATE INDEX events_site_ts ON events (site_id, ts);
