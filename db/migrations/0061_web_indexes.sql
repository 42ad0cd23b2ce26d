-- The web's lists (issue 14), bounded and walked in order on a database of a million figures: the newest
-- relevant articles, and the latest compared figures of an outcome (home page, feeds, /api/changes).
CREATE INDEX articles_relevant_published ON articles (published_at DESC, id DESC)
    WHERE relevant AND duplicate_of IS NULL;
CREATE INDEX indicator_changes_outcome_seq ON indicator_changes (outcome, commit_seq DESC);
