-- Files that government articles attach (PDF, XLS/XLSX, DOCX), what was read from them, and their figures
-- with provenance. A file that could not be fetched or read is a row too, with its status and why: recorded,
-- never fatal. Figures of attachments are kept apart from the articles' observations (they do not enter the
-- diff or the digests yet); each names its file, its part (page or sheet) and its cell or sentence.

CREATE TABLE attachments (
    id          bigserial PRIMARY KEY,
    article_id  bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    url         text NOT NULL,                -- the real site's URL
    name        text NOT NULL,                -- the link's text, else the file name
    kind        text,                         -- pdf, xlsx, xls, docx, doc, wps
    bytes       integer,
    status      text NOT NULL CHECK (status IN ('read', 'unreadable', 'failed', 'refused')),
    detail      text,                         -- why it was not read, in one line
    parts       integer NOT NULL DEFAULT 0,   -- pages or sheets read
    text        text,                         -- what was read, part by part
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (article_id, url)
);

CREATE TABLE attachment_figures (
    id             bigserial PRIMARY KEY,
    attachment_id  bigint NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    part           text NOT NULL,             -- 第2页, the sheet's name, 正文
    location       text NOT NULL DEFAULT '',  -- the cell (B3, 第2行第3列); '' for a sentence
    metric         text NOT NULL,
    region         text NOT NULL,
    period         text,
    kind           text NOT NULL,
    value          numeric NOT NULL,
    unit           text NOT NULL,
    qualifier      text,
    status         text NOT NULL,
    surface        text NOT NULL,
    sentence       text NOT NULL
);
CREATE INDEX attachment_figures_attachment ON attachment_figures (attachment_id);
