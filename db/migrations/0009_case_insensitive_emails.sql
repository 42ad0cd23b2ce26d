-- Addresses are one reader whatever their case: UPPER@Example.ORG is upper@example.org (the code now stores
-- addresses in lower case). Case-twins stored before are merged into the oldest row of each address:
-- - it stays unsubscribed if any twin unsubscribed (a reader's click is never undone), and is an operator
--   if any twin was;
-- - it takes over the twins' digests of periods it has none of (their history and watermarks); a twin's
--   second copy of a period it already has goes with the twin.
CREATE TEMP TABLE email_twins ON COMMIT DROP AS
SELECT id, first_value(id) OVER (PARTITION BY lower(email) ORDER BY id) AS keep FROM subscribers;
DELETE FROM email_twins WHERE id = keep;

UPDATE subscribers s SET
    unsubscribed_at = (SELECT min(t.unsubscribed_at) FROM subscribers t WHERE lower(t.email) = lower(s.email)),
    operator = (SELECT bool_or(t.operator) FROM subscribers t WHERE lower(t.email) = lower(s.email))
WHERE s.id IN (SELECT keep FROM email_twins);

UPDATE digests d SET subscriber_id = moved.keep
FROM (SELECT DISTINCT ON (t.keep, twin.period) twin.id, t.keep
      FROM digests twin JOIN email_twins t ON t.id = twin.subscriber_id
      WHERE NOT EXISTS (SELECT 1 FROM digests k WHERE k.subscriber_id = t.keep AND k.period = twin.period)
      ORDER BY t.keep, twin.period, twin.id) moved
WHERE d.id = moved.id;

DELETE FROM subscribers WHERE id IN (SELECT id FROM email_twins);
UPDATE subscribers SET email = lower(email) WHERE email <> lower(email);
