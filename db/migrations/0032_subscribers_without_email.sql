-- A subscriber need not have an email address: a team's chat group or a developer's webhook may be all the
-- targets it has (`cywatch subscribers add --channel URL`). Such a subscriber is named by its id (`#17`).
-- The address, where there is one, still names the subscriber; whether digests are mailed to it is up to
-- its email target, which can be removed while another target remains.
ALTER TABLE subscribers ALTER COLUMN email DROP NOT NULL;

CREATE OR REPLACE FUNCTION subscriber_email_target() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.email IS NOT NULL THEN
        INSERT INTO subscriber_targets (subscriber_id, channel, address) VALUES (NEW.id, 'email', NEW.email)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END $$;
