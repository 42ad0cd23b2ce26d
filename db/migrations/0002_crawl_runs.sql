-- What each crawl did, per source, and the HTTP validators of list pages (for conditional requests).

CREATE TABLE crawl_runs (
    id                 bigserial PRIMARY KEY,
    source             text NOT NULL REFERENCES sources (id),
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    since              date,
    until              date,
    status             text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'ok', 'empty', 'failed', 'blocked')),
    pages              integer NOT NULL DEFAULT 0,   -- responses received (any status)
    not_modified       integer NOT NULL DEFAULT 0,   -- list pages answered 304, not parsed again
    new_articles       integer NOT NULL DEFAULT 0,
    relevant_articles  integer NOT NULL DEFAULT 0,
    indicators         integer NOT NULL DEFAULT 0,
    errors             integer NOT NULL DEFAULT 0,
    detail             text                          -- why it failed or was blocked, in one line
);
CREATE INDEX crawl_runs_source_started ON crawl_runs (source, started_at DESC);

-- ETag / Last-Modified of list pages, saved only after a run that finished, so that a 304 never hides
-- an article a crashed run did not store.
CREATE TABLE http_validators (
    url            text PRIMARY KEY,
    etag           text,
    last_modified  text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Per source: the last success, the last outcome, and how many runs in a row went wrong since the last
-- run that found something (what the digests' source-health section and `cywatch status` show).
CREATE VIEW source_health AS
SELECT s.id AS source,
       s.name,
       ok.last_ok,
       last.status AS last_status,
       last.finished_at AS last_finished,
       last.detail AS last_detail,
       (SELECT count(*) FROM crawl_runs r
         WHERE r.source = s.id AND r.status IN ('empty', 'failed', 'blocked')
           AND r.started_at > coalesce(ok.last_ok_started, '-infinity')) AS consecutive_bad,
       (SELECT count(*) FROM crawl_runs r
         WHERE r.source = s.id AND r.status IN ('failed', 'blocked')
           AND r.started_at > coalesce(ok.last_ok_started, '-infinity')) AS consecutive_failed
FROM sources s
LEFT JOIN LATERAL (SELECT max(finished_at) AS last_ok, max(started_at) AS last_ok_started
                   FROM crawl_runs WHERE source = s.id AND status = 'ok') ok ON true
LEFT JOIN LATERAL (SELECT status, finished_at, detail FROM crawl_runs
                   WHERE source = s.id AND status <> 'running'
                   ORDER BY started_at DESC LIMIT 1) last ON true
WHERE s.id <> 'file';
