-- An unsubscribe link belongs to one subscription: `--resubscribe` starts a new generation, and links
-- mailed before it (signed with the old generation) no longer unsubscribe the address.
ALTER TABLE subscribers ADD COLUMN generation integer NOT NULL DEFAULT 0;
