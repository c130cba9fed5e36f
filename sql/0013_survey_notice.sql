-- The organisation's privacy notice, shown on every survey's introduction: who carries the survey out, where its
-- full privacy policy is, and optionally its own words on how answers are used (per language). Without a row the
-- introduction says how answers are used in the service's own words and names no one.

CREATE TABLE survey_notices (
    organisation_id  bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    operator         text NOT NULL CHECK (length(operator) BETWEEN 1 AND 200),
    policy_url       text CHECK (policy_url IS NULL OR policy_url ~ '^https://'),
    purpose          jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(purpose) = 'object'),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
