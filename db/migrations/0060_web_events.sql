-- Every write the web makes on a reader's behalf (issue 14): subscribe requested, confirmed, preferences
-- changed, unsubscribed. Kept when a subscriber is deleted (subscriber_id set to NULL; the address stays).
CREATE TABLE web_events (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    action         text NOT NULL CHECK (action IN ('subscribe_requested', 'subscribe_confirmed', 'preferences',
                                                   'unsubscribed')),
    subscriber_id  integer REFERENCES subscribers (id) ON DELETE SET NULL,
    email          text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
    remote         text NOT NULL DEFAULT ''
);
CREATE INDEX web_events_at ON web_events (at DESC);
