-- Who holds a digest that is being sent. A lease can expire while its holder is merely slow; the next run
-- then takes the row over, and the slow holder's late updates must not land on it. Every update a sender
-- makes after claiming names its claim.
ALTER TABLE digests ADD COLUMN claimed_by uuid;
