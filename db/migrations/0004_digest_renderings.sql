-- The full digest behind "N more" is the same for every subscriber of a group (same filters, same last
-- digest) but for their address and links: keep it once per group, personalise it when it is viewed.
CREATE TABLE digest_renderings (
    id          bigserial PRIMARY KEY,
    period      text NOT NULL,
    full_html   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE digests ADD COLUMN rendering_id bigint REFERENCES digest_renderings (id) ON DELETE SET NULL;
ALTER TABLE digests DROP COLUMN full_html;
