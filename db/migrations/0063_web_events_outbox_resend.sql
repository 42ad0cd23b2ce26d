-- The operator's resend of a failed or unknown digest from the web's outbox page is recorded in web_events
-- as the web's other writes are (no reader: email '' unless the row's recipient is one, subscriber the row's).
ALTER TABLE web_events DROP CONSTRAINT web_events_action_check;
ALTER TABLE web_events ADD CONSTRAINT web_events_action_check
    CHECK (action IN ('subscribe_requested', 'subscribe_confirmed', 'preferences', 'unsubscribed',
                      'review_decided', 'target_added', 'target_removed', 'outbox_resent'));
