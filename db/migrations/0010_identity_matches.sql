-- How each comparison was made (issue 12): on the exact key, inferred by the identity matcher (a figure that
-- names the indicator in other words), a possible match kept for review, or none.
ALTER TABLE indicator_changes
    ADD COLUMN match text NOT NULL DEFAULT 'exact' CHECK (match IN ('exact', 'inferred', 'possible', 'none')),
    ADD COLUMN match_score numeric,
    ADD COLUMN match_reason text,
    ADD COLUMN candidate_observation_id bigint REFERENCES indicator_observations (id) ON DELETE SET NULL;
UPDATE indicator_changes SET match = 'none' WHERE outcome = 'new';
