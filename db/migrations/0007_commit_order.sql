-- Digest watermarks in commit order. A row's id is handed out when it is inserted, not when it commits:
-- an article inserted first and committed last has a lower id than one committed before it, so "the
-- highest id a digest saw" skipped it for good. Instead every article and every change is numbered
-- (`commit_seq`) while its transaction holds the commit-order lock: an advisory lock, key 0x6379636F
-- ("cyco"), that each INSERT takes before its rows are numbered and that is held to the end of the
-- transaction. A digest takes the same lock for a moment before it reads how far the numbering went
-- (db/commit_order.py): no writer holds a number it has not committed then, so everything at or below
-- it is committed (or rolled back) and visible, and what is numbered later waits for the next digest.
-- The numbers are identity columns (GENERATED ALWAYS): no INSERT can set them by hand.

ALTER TABLE articles ADD COLUMN commit_seq bigint;
UPDATE articles SET commit_seq = id;  -- existing watermarks were ids: they keep their meaning
ALTER TABLE articles ALTER COLUMN commit_seq SET NOT NULL;
ALTER TABLE indicator_changes ADD COLUMN commit_seq bigint;
UPDATE indicator_changes SET commit_seq = id;
ALTER TABLE indicator_changes ALTER COLUMN commit_seq SET NOT NULL;
DO $$
BEGIN
    EXECUTE format('ALTER TABLE articles ALTER COLUMN commit_seq ADD GENERATED ALWAYS AS IDENTITY '
                   '(SEQUENCE NAME article_commit_seq START WITH %s)',
                   (SELECT coalesce(max(id), 0) + 1 FROM articles));
    EXECUTE format('ALTER TABLE indicator_changes ALTER COLUMN commit_seq ADD GENERATED ALWAYS AS IDENTITY '
                   '(SEQUENCE NAME change_commit_seq START WITH %s)',
                   (SELECT coalesce(max(id), 0) + 1 FROM indicator_changes));
END
$$;
CREATE INDEX articles_commit_seq ON articles (commit_seq);
CREATE INDEX indicator_changes_commit_seq ON indicator_changes (commit_seq);

-- Once per statement, before its first row is numbered (a row trigger would cost a function call a row).
CREATE FUNCTION take_commit_order_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1668899695);  -- 0x6379636F; db/commit_order.py takes the same lock
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_commit_order BEFORE INSERT ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION take_commit_order_lock();
CREATE TRIGGER indicator_changes_commit_order BEFORE INSERT ON indicator_changes
    FOR EACH STATEMENT EXECUTE FUNCTION take_commit_order_lock();

-- What a digest covers, as numbers of that order.
ALTER TABLE digests RENAME COLUMN last_article_id TO article_mark;
ALTER TABLE digests RENAME COLUMN last_change_id TO change_mark;
