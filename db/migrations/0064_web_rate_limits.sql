-- The web's rate limits (subscribe per client and per address, operator logins per client), shared by every
-- web process: one token bucket per (limit, key), taken from by one atomic UPSERT (web.limits). Unlogged:
-- a crash forgets the buckets, which only gives everyone their full allowance back.
CREATE UNLOGGED TABLE web_rate_limits (
    name       text NOT NULL,
    key        text NOT NULL,
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL,
    allowed    boolean NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE INDEX web_rate_limits_updated ON web_rate_limits (updated_at);
