-- The diff against the baseline, subscribers, and the digest outbox.

-- One row per observation compared: against the newest baseline version (same metric, region, kind and
-- status) and against the latest earlier observation of that key. The baseline is never modified.
CREATE TABLE indicator_changes (
    id                       bigserial PRIMARY KEY,
    observation_id           bigint NOT NULL UNIQUE REFERENCES indicator_observations (id) ON DELETE CASCADE,
    baseline_id              integer REFERENCES baselines (id),
    baseline_observation_id  bigint REFERENCES indicator_observations (id),
    previous_observation_id  bigint REFERENCES indicator_observations (id),
    outcome                  text NOT NULL CHECK (outcome IN ('changed', 'confirmed', 'new')),
    period_relation          text CHECK (period_relation IN ('same', 'later', 'earlier', 'unknown')),
    restated                 boolean NOT NULL DEFAULT false,  -- same period as the baseline, other value
    delta                    numeric,                          -- new - baseline
    delta_ratio              numeric,                          -- (new - baseline) / |baseline|
    previous_delta           numeric,                          -- new - previous observation
    computed_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX indicator_changes_outcome ON indicator_changes (outcome, id);

CREATE TABLE subscribers (
    id               serial PRIMARY KEY,
    email            text NOT NULL UNIQUE,            -- normalised (lower-case domain)
    name             text,
    regions          text[] NOT NULL DEFAULT '{}',    -- canonical regions; empty: all
    metrics          text[] NOT NULL DEFAULT '{}',    -- metric filters (a metric containing one); empty: all
    frequency        text NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
    operator         boolean NOT NULL DEFAULT false,  -- also gets digests about source health alone
    created_at       timestamptz NOT NULL DEFAULT now(),
    unsubscribed_at  timestamptz
);

-- The outbox: one row per subscriber per digest period, built once, claimed before sending.
-- state: pending -> sending -> sent | pending (4xx, retried later) | failed (5xx) | unknown (the process
-- died after handing the message to the server: not resent automatically).
-- stage: how far a send got (claimed, data); it decides what an expired lease means.
CREATE TABLE digests (
    id               bigserial PRIMARY KEY,
    subscriber_id    integer NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    period           text NOT NULL,                   -- 2024-08-12 (daily) or 2024-W33 (weekly)
    recipient        text NOT NULL,
    subject          text NOT NULL,
    message_id       text NOT NULL UNIQUE,
    message          bytea NOT NULL,                  -- the whole RFC 5322 message
    full_html        text,                            -- the untruncated digest, behind its "N more" link
    counts           jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_change_id   bigint NOT NULL DEFAULT 0,       -- watermarks: what this digest covers
    last_article_id  bigint NOT NULL DEFAULT 0,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    stage            text,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    last_error       text,
    delivered_to     text,                            -- smtp://host or the .eml file written
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (subscriber_id, period)
);
CREATE INDEX digests_ready ON digests (state, next_attempt_at) WHERE state IN ('pending', 'sending');

-- "The latest earlier observation of this key", for the diff.
CREATE INDEX observations_key_published
    ON indicator_observations (metric, region, kind, status, unit, published_at DESC, id DESC);
