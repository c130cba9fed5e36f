-- Core schema: organisations, API keys, polls, questionnaire versions, waves, respondents, answers, weights,
-- estimates. No column holds personal data: respondents are known only by an HMAC of the provider's id under a
-- secret, and only the weighting variables (age band, gender, region, education) are kept about them.

CREATE TABLE organisations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    prefix           text NOT NULL UNIQUE,          -- the visible start of the key, e.g. rk_3f9a1c2b
    key_hash         bytea NOT NULL,                -- SHA-256 of the whole key; the key itself is never stored
    role             text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer', 'reader')),
    label            text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,
    revoked_at       timestamptz
);

CREATE TABLE polls (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category           text NOT NULL,
    own_brand          text NOT NULL,
    brands             jsonb NOT NULL CHECK (jsonb_typeof(brands) = 'array'),  -- [{"id", "name", "aliases"}]
    population         text NOT NULL,                  -- a config/populations file, e.g. 'us'
    sample_size        integer NOT NULL CHECK (sample_size > 0),
    cost_per_complete  numeric(12, 2) NOT NULL DEFAULT 0 CHECK (cost_per_complete >= 0),
    budget             numeric(14, 2) CHECK (budget >= 0),
    schedule           jsonb NOT NULL DEFAULT '{}'::jsonb,
    provider           text NOT NULL DEFAULT 'simulated',
    questionnaire_version integer NOT NULL DEFAULT 1,
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, name)
);

CREATE TABLE questionnaire_versions (
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 0),
    checksum    text NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (poll_id, version)
);

CREATE TABLE waves (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    poll_id                bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    scheduled_at           timestamptz NOT NULL,
    state                  text NOT NULL DEFAULT 'scheduled' CHECK (state IN (
                               'scheduled', 'launching', 'fielding', 'closing', 'processing', 'published',
                               'failed', 'cancelled')),
    state_reason           text,
    questionnaire_version  integer NOT NULL DEFAULT 1,
    target_n               integer NOT NULL CHECK (target_n > 0),
    late                   boolean NOT NULL DEFAULT false,
    field_start            timestamptz,
    field_end              timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (poll_id, scheduled_at)
);
CREATE INDEX waves_state_idx ON waves (state) WHERE state NOT IN ('published', 'failed', 'cancelled');

CREATE TABLE wave_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id     bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    from_state  text,
    to_state    text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wave_events_wave_idx ON wave_events (wave_id);

CREATE TABLE respondents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id         bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    respondent_key  bytea NOT NULL CHECK (length(respondent_key) = 32),  -- HMAC-SHA256 of the provider's id
    status          text NOT NULL DEFAULT 'started' CHECK (status IN (
                        'started', 'complete', 'screened_out', 'over_quota', 'quality_terminate', 'refused',
                        'dropped')),
    quality_reasons text[] NOT NULL DEFAULT '{}',
    demographics    jsonb NOT NULL DEFAULT '{}'::jsonb,  -- weighting variables only, as population labels
    started_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    UNIQUE (wave_id, respondent_key)
);
CREATE INDEX respondents_wave_status_idx ON respondents (wave_id, status);

CREATE TABLE answers (
    respondent_id  bigint NOT NULL REFERENCES respondents (id) ON DELETE CASCADE,
    question_id    text NOT NULL,
    value          jsonb NOT NULL,
    answered_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (respondent_id, question_id)
);

-- One weighting run per wave (diagnostics), and each valid respondent's weight in it.
CREATE TABLE weighting_runs (
    wave_id           bigint PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
    method            text NOT NULL,
    converged         boolean NOT NULL,
    iterations        integer NOT NULL,
    max_margin_error  double precision NOT NULL,
    n                 integer NOT NULL,
    n_eff             double precision NOT NULL,
    deff_kish         double precision NOT NULL,
    weight_min        double precision NOT NULL,
    weight_max        double precision NOT NULL,
    warnings          text[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE weights (
    respondent_id  bigint PRIMARY KEY REFERENCES respondents (id) ON DELETE CASCADE,
    wave_id        bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    weight         double precision NOT NULL CHECK (weight > 0)
);
CREATE INDEX weights_wave_idx ON weights (wave_id);

-- Published figures: one row per wave × metric × brand × segment × base, with its base, uncertainty and the
-- wave-on-wave test against the previous published wave of the same poll.
CREATE TABLE estimates (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id       bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    metric        text NOT NULL,
    brand         text NOT NULL,
    segment       text NOT NULL DEFAULT 'all',
    base          text NOT NULL DEFAULT 'total',
    kind          text NOT NULL DEFAULT 'proportion' CHECK (kind IN ('proportion', 'mean')),
    estimate      double precision NOT NULL,
    se            double precision NOT NULL,
    ci_low        double precision NOT NULL,
    ci_high       double precision NOT NULL,
    ci_method     text NOT NULL,
    level         double precision NOT NULL,
    n             integer NOT NULL,
    n_eff         double precision NOT NULL,
    deff          double precision,
    base_status   text NOT NULL DEFAULT 'ok' CHECK (base_status IN ('ok', 'low', 'suppressed')),
    warnings      text[] NOT NULL DEFAULT '{}',
    change        double precision,
    change_se     double precision,
    p_value       double precision,
    q_value       double precision,
    significant   boolean,
    UNIQUE (wave_id, metric, brand, segment, base)
);
