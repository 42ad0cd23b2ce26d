-- The web's new writes (operator review decisions, a reader's chat/webhook targets) are recorded in
-- web_events as the others are. A review decision has no reader: its email is '' and its subscriber NULL.
ALTER TABLE web_events DROP CONSTRAINT web_events_action_check;
ALTER TABLE web_events ADD CONSTRAINT web_events_action_check
    CHECK (action IN ('subscribe_requested', 'subscribe_confirmed', 'preferences', 'unsubscribed',
                      'review_decided', 'target_added', 'target_removed'));
