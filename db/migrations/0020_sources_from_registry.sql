-- The sources table becomes a copy of the registry (crawler/sources.py), which writes it at the start of
-- every crawl, cycle and baseline load (db/sources.py). 0001's INSERT stays as history; from here on, what
-- a source is called, where it lives and whether it is official is declared in Python only.
-- A source removed from the registry keeps its row (articles and runs still refer to it), marked undeclared.

ALTER TABLE sources
    ADD COLUMN kind        text    NOT NULL DEFAULT 'government'
                           CHECK (kind IN ('epaper', 'government', 'statistics', 'file')),
    ADD COLUMN official    boolean NOT NULL DEFAULT false,   -- a statistics bureau: the official record
    ADD COLUMN home_region text    NOT NULL DEFAULT '',
    ADD COLUMN domains     text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN declared    boolean NOT NULL DEFAULT true;    -- in the registry at its last sync

-- The rows 0001 inserted, as the registry declares them, so that a database migrated but not yet synced
-- already tells the e-paper and the file pseudo-source apart.
UPDATE sources SET kind = 'file' WHERE id = 'file';
UPDATE sources SET kind = 'epaper' WHERE id = 'cqrb';

-- Source health: declared sources that are crawled, with whether each is official.
CREATE OR REPLACE VIEW source_health AS
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
           AND r.started_at > coalesce(ok.last_ok_started, '-infinity')) AS consecutive_failed,
       s.kind,
       s.official
FROM sources s
LEFT JOIN LATERAL (SELECT max(finished_at) AS last_ok, max(started_at) AS last_ok_started
                   FROM crawl_runs WHERE source = s.id AND status = 'ok') ok ON true
LEFT JOIN LATERAL (SELECT status, finished_at, detail FROM crawl_runs
                   WHERE source = s.id AND status <> 'running'
                   ORDER BY started_at DESC LIMIT 1) last ON true
WHERE s.kind <> 'file' AND s.declared;
