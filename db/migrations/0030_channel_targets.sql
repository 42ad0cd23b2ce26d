-- Channels: a subscriber's digests go to targets (their email address, chat bots, webhooks), each on one
-- channel of alerts/channels' registry. The outbox holds one row per target and period, with the channel's
-- payload (an email's RFC 5322 bytes, a webhook's JSON body) and its idempotency key (an email's
-- Message-ID, a webhook's Idempotency-Key).
CREATE TABLE subscriber_targets (
    id             serial PRIMARY KEY,
    subscriber_id  integer NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    channel        text NOT NULL,        -- a channel name of the registry: email, wecom, dingtalk, ...
    address        text NOT NULL,        -- an email address, or the channel URL (it may hold a token or a
                                         -- secret: never printed as it is, see alerts.channels.redact)
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscriber_id, channel, address)
);

-- Every subscriber's own address is their first target: for those stored before, and for every one added
-- later, whoever adds them (the command line, the web, a script).
INSERT INTO subscriber_targets (subscriber_id, channel, address) SELECT id, 'email', email FROM subscribers;

CREATE FUNCTION subscriber_email_target() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subscriber_targets (subscriber_id, channel, address) VALUES (NEW.id, 'email', NEW.email)
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER subscriber_email_target AFTER INSERT ON subscribers
    FOR EACH ROW EXECUTE FUNCTION subscriber_email_target();

-- Existing outbox rows are email digests of their subscriber's address: they keep their state (a pending
-- row is still sent once, a sent one never again), their bytes and their Message-ID.
ALTER TABLE digests ADD COLUMN target_id integer REFERENCES subscriber_targets (id) ON DELETE CASCADE;
ALTER TABLE digests ADD COLUMN channel text NOT NULL DEFAULT 'email';
UPDATE digests d SET target_id = t.id
FROM subscriber_targets t WHERE t.subscriber_id = d.subscriber_id AND t.channel = 'email';
ALTER TABLE digests ALTER COLUMN target_id SET NOT NULL;
ALTER TABLE digests ALTER COLUMN channel DROP DEFAULT;
ALTER TABLE digests RENAME COLUMN message TO payload;
ALTER TABLE digests RENAME COLUMN message_id TO idempotency_key;
ALTER TABLE digests DROP CONSTRAINT digests_subscriber_id_period_key;
ALTER TABLE digests ADD CONSTRAINT digests_target_period UNIQUE (target_id, period);
CREATE INDEX digests_subscriber_period ON digests (subscriber_id, period);

-- Which senders' claims PostgreSQL still vouches for. A sender marks a digest before DATA, and records its
-- outcome after, with commits that do not wait for the disk (one fsync per message would cap a sender at
-- the disk's pace): they are visible at once and survive the sender's death, and only a crash of
-- PostgreSQL itself can lose the last of them. An unlogged table is emptied by exactly such a crash: a
-- claim whose row here is gone may have lost its marks, so its digests become unknown rather than resent.
CREATE UNLOGGED TABLE send_claims (
    claimed_by  uuid PRIMARY KEY,
    claimed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO send_claims (claimed_by)
SELECT DISTINCT claimed_by FROM digests WHERE state = 'sending' AND claimed_by IS NOT NULL;

-- The senders' per-row updates name a row by id and state 'sending'. The partial index over pending and
-- sending rows lured the planner into scanning every 'sending' entry (dead ones of rows sent earlier in
-- the run included) for each of them: 300 buffers an update after 3,000 digests, instead of 5 by the
-- primary key. Claims need only the pending rows, in id order.
DROP INDEX digests_ready;
CREATE INDEX digests_pending ON digests (id) WHERE state = 'pending';
