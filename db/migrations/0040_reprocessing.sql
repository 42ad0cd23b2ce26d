-- Reprocessing (issue 12): what extracted each figure, baselines per lexicon, comparisons that were revised.

-- The extractor's version (a hash of its code) and the lexicon's fingerprint (a hash of its data and of the
-- stored entries) that produced a figure; NULL for figures stored before this migration.
ALTER TABLE indicator_observations
    ADD COLUMN extractor_version text,
    ADD COLUMN lexicon_fingerprint text;

-- A baseline version is one text read with one lexicon: the same text read with a changed lexicon is the
-- next version (the old ones are kept). Versions loaded before this migration have no fingerprint.
ALTER TABLE baselines ADD COLUMN lexicon_fingerprint text;
ALTER TABLE baselines DROP CONSTRAINT baselines_name_content_hash_key;
CREATE UNIQUE INDEX baselines_name_content_lexicon
    ON baselines (name, content_hash, coalesce(lexicon_fingerprint, ''));

-- A comparison recomputed (a reprocess, a review decision) is a new row, numbered in commit order like any
-- other; these say what a digest has to make of it:
--   first_seq   the commit number of the figure's first comparison (NULL: this row is the first), so a
--               figure a digest already covered is not reported again as new because it was re-keyed;
--   revised_seq the commit number of the row whose comparison differs from the one before (NULL: never),
--               reported once, as a correction;
--   revision    what the comparison was before that revision, for the digest's correction line.
ALTER TABLE indicator_changes
    ADD COLUMN first_seq bigint,
    ADD COLUMN revised_seq bigint,
    ADD COLUMN revision jsonb;
