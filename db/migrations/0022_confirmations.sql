-- Cross-source confirmation (issue 16): attachments' figures become observations, reprints are linked, and
-- each figure's confirmation state (confirmed, conflict, official) is kept, recomputed per indicator key.

-- An attachment's figure is an observation of the article it came with, so that the diff, the digests and
-- the web treat it as any other figure; its provenance (file, sheet or page, cell) is its attachment_figures
-- row. Its offsets are in the part of the file it was read from, not in the article's body, so the article's
-- own figures and its attachments' are told apart in the unique key.
ALTER TABLE indicator_observations
    ADD COLUMN attachment_figure_id bigint REFERENCES attachment_figures (id) ON DELETE CASCADE;
ALTER TABLE attachment_figures
    ADD COLUMN metric_raw     text NOT NULL DEFAULT '',
    ADD COLUMN period_start   date,
    ADD COLUMN period_end     date,
    ADD COLUMN start_offset   integer NOT NULL DEFAULT 0,  -- in the part's text, as read
    ADD COLUMN end_offset     integer NOT NULL DEFAULT 0,
    ADD COLUMN sentence_start integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX observations_attachment_figure ON indicator_observations (attachment_figure_id)
    WHERE attachment_figure_id IS NOT NULL;
ALTER TABLE indicator_observations DROP CONSTRAINT indicator_observations_article_id_start_offset_metric_regio_key;
CREATE UNIQUE INDEX observations_place
    ON indicator_observations (article_id, coalesce(attachment_figure_id, 0), start_offset, metric, region, kind);

-- Near-duplicate texts: a MinHash signature of each article's character shingles, its LSH bands (a band
-- shared is a candidate pair, found by an index join), and the reprint links found. A reprint points at the
-- earliest article of its kind (the original); a reprint is not an independent source.
CREATE TABLE article_fingerprints (
    article_id  bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    signature   bigint[] NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE article_bands (
    band        smallint NOT NULL,
    hash        bigint NOT NULL,
    article_id  bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, article_id)
);
CREATE INDEX article_bands_article ON article_bands (article_id);
CREATE TABLE article_reprints (
    article_id  bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    original_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    similarity  numeric NOT NULL,                 -- estimated Jaccard similarity of the shingle sets
    found_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_reprints_original ON article_reprints (original_id);

-- Each figure's confirmation state, for the figures that have one worth saying (confirmed, conflict, or an
-- official source's): a figure without a row stands alone. `sources` are the independent sources that agree.
CREATE TABLE figure_confirmations (
    observation_id          bigint PRIMARY KEY REFERENCES indicator_observations (id) ON DELETE CASCADE,
    state                   text NOT NULL CHECK (state IN ('single', 'confirmed', 'conflict')),
    official                boolean NOT NULL,          -- the figure's own source is a statistics bureau
    sources                 text[] NOT NULL DEFAULT '{}',
    agreeing_observation_id bigint REFERENCES indicator_observations (id) ON DELETE SET NULL,
    conflict_observation_id bigint REFERENCES indicator_observations (id) ON DELETE SET NULL,
    official_observation_id bigint REFERENCES indicator_observations (id) ON DELETE SET NULL,
    computed_at             timestamptz NOT NULL DEFAULT now()
);

-- The indicator keys whose confirmation must be worked out again: every key a statement inserted, deleted
-- or changed figures of (statement triggers, as diff_uncompared), and the keys of articles newly found to be
-- reprints (db/confirm.py). The confirmation step empties it.
CREATE TABLE confirm_dirty (
    metric text NOT NULL, region text NOT NULL, kind text NOT NULL, status text NOT NULL, unit text NOT NULL,
    PRIMARY KEY (metric, region, kind, status, unit)
);
INSERT INTO confirm_dirty SELECT DISTINCT metric, region, kind, status, unit FROM indicator_observations;

CREATE FUNCTION confirm_dirty_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO confirm_dirty SELECT DISTINCT metric, region, kind, status, unit FROM touched
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER observations_confirm_inserted AFTER INSERT ON indicator_observations
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION confirm_dirty_mark();
CREATE TRIGGER observations_confirm_deleted AFTER DELETE ON indicator_observations
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION confirm_dirty_mark();
CREATE TRIGGER observations_confirm_updated_old AFTER UPDATE ON indicator_observations
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION confirm_dirty_mark();
CREATE TRIGGER observations_confirm_updated_new AFTER UPDATE ON indicator_observations
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION confirm_dirty_mark();
