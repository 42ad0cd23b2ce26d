-- The daily cycle: one row per scheduled date, with each step's status and counts.
CREATE TABLE runs (
    run_date     date PRIMARY KEY,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,              -- set when every step has run (ok or not)
    attempts     integer NOT NULL DEFAULT 1,
    steps        jsonb NOT NULL DEFAULT '{}'::jsonb,  -- {"crawl": {"status", "started", "finished", ...}, ...}
    detail       text
);
