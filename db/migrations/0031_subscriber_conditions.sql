-- A subscriber's conditions (alerts/conditions.py): only changes of at least X, a direction that flipped,
-- a threshold crossed, a new high. Empty: the digest holds everything, as before.
ALTER TABLE subscribers ADD COLUMN conditions jsonb NOT NULL DEFAULT '{}'::jsonb;
