-- Dashboard sessions and share links, both held server-side so they can be ended.
-- A session row is keyed by the SHA-256 of the random id in the browser's cookie (the id itself is never
-- stored); signing out sets ended_at, so a copied cookie stops working at once. A share link row is named by
-- the id inside the signed link; revoking it (revoked_at) or archiving its poll makes the link stop working.
-- The index on estimates (wave_id, updated_at) lets the dashboard ask cheaply whether a poll's figures changed
-- since it cached a page.

CREATE TABLE dashboard_sessions (
    id          text PRIMARY KEY,                      -- hex SHA-256 of the cookie's random session id
    key_id      bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX dashboard_sessions_key_idx ON dashboard_sessions (key_id);

CREATE TABLE share_links (
    id          text PRIMARY KEY,                      -- random id named in the signed link
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    label       text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    created_by  text NOT NULL DEFAULT '',              -- 'command line' or the creating key's prefix
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX share_links_poll_idx ON share_links (poll_id);

CREATE INDEX estimates_wave_updated_idx ON estimates (wave_id, updated_at);
