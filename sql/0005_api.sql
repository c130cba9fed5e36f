-- The JSON API: an audit log of every change made through it, and brand objectives.

-- Every change made through the API: which key (and its visible prefix, kept if the key is later deleted),
-- when, what (an action such as 'poll.create', the target and a JSON summary of the change). Never personal data.
CREATE TABLE audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    api_key_id       bigint REFERENCES api_keys (id) ON DELETE SET NULL,
    key_prefix       text NOT NULL,
    action           text NOT NULL,
    target_type      text NOT NULL,
    target_id        text NOT NULL,
    details          jsonb NOT NULL DEFAULT '{}'::jsonb,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_idx ON audit_log (organisation_id, id);

-- Objectives: a target for one published figure of a poll, e.g. "aided awareness of our brand among all adults
-- at least 0.40". metric/brand/segment name an estimates row (segment 'all' = everybody); threshold is on the
-- estimate's scale (a proportion 0..1, or NPS -100..100); direction says which side is good. The dashboard
-- evaluates objectives against each published wave and raises alerts.
CREATE TABLE objectives (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    metric      text NOT NULL,
    brand       text NOT NULL,
    segment     text NOT NULL DEFAULT 'all',
    threshold   double precision NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('at_least', 'at_most')),
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX objectives_poll_idx ON objectives (poll_id);
