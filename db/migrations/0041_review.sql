-- Review of possible matches (issue 12): decisions, and the lexicon entries they make.

CREATE TABLE review_decisions (
    id                        serial PRIMARY KEY,
    change_id                 bigint REFERENCES indicator_changes (id) ON DELETE SET NULL,
    metric                    text NOT NULL,           -- the figure's metric, as stored when decided
    candidate_metric          text NOT NULL,           -- the baseline figure's metric
    region                    text NOT NULL,
    kind                      text NOT NULL,
    unit                      text NOT NULL,
    score                     numeric,
    accepted                  boolean NOT NULL,
    decided_by                text,
    note                      text,
    decided_at                timestamptz NOT NULL DEFAULT now()
);

-- Entries of the lexicon kept in the database, applied on top of crawler/extract/data/metrics.toml by every
-- extraction and diff, and written into that file by `cywatch lexicon export`:
--   alias        `metric` is another name of `other` (the canonical one);
--   distinct     `metric` and `other` are never one indicator.
CREATE TABLE lexicon_entries (
    id           serial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('alias', 'distinct')),
    metric       text NOT NULL,
    other        text NOT NULL,
    decision_id  integer REFERENCES review_decisions (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    exported_at  timestamptz,
    CHECK (metric <> other),
    UNIQUE (kind, metric, other)
);
