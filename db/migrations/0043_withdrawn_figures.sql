-- A figure a reprocess no longer finds in its article (issue 12): its row goes, and so does its comparison,
-- but a digest may have reported it. What was reported is kept here, numbered in commit order like a
-- comparison (the same sequence and lock, migration 0007), so that the next digest of a reader who got the
-- figure carries one correction line saying it is withdrawn, and nobody else's does.
CREATE TABLE withdrawn_changes (
    id                     bigserial PRIMARY KEY,
    change_id              bigint NOT NULL,     -- the comparison's number, as review and digests knew it
    observation_id         bigint NOT NULL,
    article_id             bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    first_seq              bigint NOT NULL,     -- the commit number under which it was first reported
    commit_seq             bigint NOT NULL DEFAULT nextval('change_commit_seq'),
    outcome                text NOT NULL,
    match                  text NOT NULL,
    match_reason           text,
    metric                 text NOT NULL,
    region                 text NOT NULL,
    kind                   text NOT NULL,
    unit                   text NOT NULL,
    status                 text NOT NULL,
    period                 text,
    value                  numeric NOT NULL,
    qualifier              text,
    surface                text NOT NULL,
    sentence               text NOT NULL,
    published_at           timestamptz NOT NULL,
    delta                  numeric,
    delta_ratio            numeric,
    baseline_metric        text,
    baseline_value         numeric,
    baseline_unit          text,
    baseline_qualifier     text,
    baseline_period        text,
    baseline_published_at  timestamptz,
    withdrawn_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawn_changes_commit_seq ON withdrawn_changes (commit_seq);
CREATE TRIGGER withdrawn_changes_commit_order BEFORE INSERT ON withdrawn_changes
    FOR EACH STATEMENT EXECUTE FUNCTION take_commit_order_lock();

-- A comparison keeps its number when it is made again (db/reprocess.py), so a review decision keeps
-- pointing at it; the number of one whose figure is gone stays in the decision, as it was decided.
ALTER TABLE review_decisions DROP CONSTRAINT review_decisions_change_id_fkey;
