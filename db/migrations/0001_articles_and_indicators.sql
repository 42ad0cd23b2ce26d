-- Sources, articles, the indicators stated in them, and the baseline versions.
-- Observations are exact decimals (numeric), never floats; times are timestamptz.

CREATE TABLE sources (
    id          text PRIMARY KEY,            -- cqrb, sc_gov, sc_fgw, cq_gov, file
    name        text NOT NULL,
    base_url    text NOT NULL
);

INSERT INTO sources (id, name, base_url) VALUES
    ('cqrb',   '重庆日报',               'https://epaper.cqrb.cn/'),
    ('sc_gov', '四川省人民政府',         'https://www.sc.gov.cn/'),
    ('sc_fgw', '四川省发展和改革委员会', 'https://fgw.sc.gov.cn/'),
    ('cq_gov', '重庆市人民政府',         'https://www.cq.gov.cn/'),
    ('file',   '本地文件',               'file:///');

CREATE TABLE articles (
    id               bigserial PRIMARY KEY,
    source           text NOT NULL REFERENCES sources (id),
    canonical_url    text NOT NULL,           -- the real site's URL, also when crawled from a mirror
    doc_id           text,                    -- the site's own document id (content_rb_N, 32-hex, t…_docid)
    title            text NOT NULL,
    normalized_title text NOT NULL,           -- for recognising re-published copies
    section          text,                    -- 版 of the e-paper, column of a site
    published_at     timestamptz NOT NULL,
    fetched_at       timestamptz NOT NULL DEFAULT now(),
    body             text NOT NULL,
    content_hash     text NOT NULL,           -- sha256 of body
    origin           text NOT NULL DEFAULT 'crawl' CHECK (origin IN ('crawl', 'file')),
    relevance        numeric NOT NULL DEFAULT 0,
    matched_terms    text[] NOT NULL DEFAULT '{}',
    relevant         boolean NOT NULL DEFAULT false,
    duplicate_of     bigint REFERENCES articles (id),
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (source, canonical_url)
);
CREATE UNIQUE INDEX articles_source_doc_id ON articles (source, doc_id) WHERE doc_id IS NOT NULL;
CREATE INDEX articles_source_published ON articles (source, published_at DESC);
CREATE INDEX articles_republished ON articles (source, normalized_title, published_at);

CREATE TABLE indicator_observations (
    id              bigserial PRIMARY KEY,
    article_id      bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    metric          text NOT NULL,
    metric_raw      text NOT NULL DEFAULT '',
    region          text NOT NULL DEFAULT '',
    kind            text NOT NULL CHECK (kind IN ('level', 'growth', 'share', 'rank', 'change')),
    period          text,                     -- YYYY-MM/YYYY-MM or YYYY, as extracted
    period_start    date,
    period_end      date,
    value           numeric NOT NULL,
    unit            text NOT NULL,
    qualifier       text,
    status          text NOT NULL DEFAULT 'actual' CHECK (status IN ('actual', 'target')),
    surface         text NOT NULL,
    sentence        text NOT NULL,
    start_offset    integer NOT NULL,
    end_offset      integer NOT NULL,
    sentence_start  integer NOT NULL,
    published_at    timestamptz NOT NULL,     -- the article's, copied for "latest value" queries
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (article_id, start_offset, metric, region, kind)
);
-- "The latest value of this metric for this region": newest period first, then newest article.
CREATE INDEX observations_latest
    ON indicator_observations (metric, region, kind, period_end DESC NULLS LAST, published_at DESC);
CREATE INDEX observations_article ON indicator_observations (article_id);

CREATE TABLE baselines (
    id            serial PRIMARY KEY,
    name          text NOT NULL,
    version       integer NOT NULL,
    article_id    bigint NOT NULL REFERENCES articles (id),
    content_hash  text NOT NULL,              -- of the text, date, source and title loaded
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version),
    UNIQUE (name, content_hash)
);

-- A baseline never changes: its article's observations can be neither updated nor deleted.
CREATE FUNCTION forbid_baseline_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM baselines WHERE article_id = OLD.article_id) THEN
        RAISE EXCEPTION 'observation % belongs to a baseline and cannot be changed', OLD.id;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER baseline_observations_are_immutable
    BEFORE UPDATE OR DELETE ON indicator_observations
    FOR EACH ROW EXECUTE FUNCTION forbid_baseline_change();
