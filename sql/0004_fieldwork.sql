-- Fieldwork with panel providers: per-wave provider state, the outbox of provider calls, the submissions the
-- provider reported (with the service's decision on each, for reconciliation) and received webhook events.
-- A provider's submission id names one visit, not a person; the person's id is kept only as the respondent's
-- HMAC key (respondents.respondent_key).

CREATE TABLE wave_fieldwork (
    wave_id             bigint PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
    provider            text NOT NULL,
    project_id          text,                        -- the provider's id of the wave's project
    price               numeric(12, 4),              -- cost per complete quoted by the provider at launch
    currency            text NOT NULL DEFAULT 'USD',
    deadline            timestamptz,                 -- fieldwork closes here even below target
    feed_cursor         text NOT NULL DEFAULT '',    -- where the provider's submission feed was read up to
    duplicates_dropped  integer NOT NULL DEFAULT 0 CHECK (duplicates_dropped >= 0),
    cost                numeric(14, 2) NOT NULL DEFAULT 0,  -- approved completes × price
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The outbox: an intent is recorded (with its deterministic idempotency key) BEFORE a provider call and its
-- result after. An intent left without a result by a crash is settled by asking the provider.
CREATE TABLE provider_calls (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id          bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    provider         text NOT NULL,
    operation        text NOT NULL,
    idempotency_key  text NOT NULL UNIQUE,
    request          jsonb NOT NULL DEFAULT '{}'::jsonb,
    state            text NOT NULL DEFAULT 'intent' CHECK (state IN ('intent', 'done')),
    result           jsonb,
    settled_by       text CHECK (settled_by IN ('call', 'query')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    done_at          timestamptz
);
CREATE INDEX provider_calls_wave_idx ON provider_calls (wave_id);

CREATE TABLE wave_submissions (
    wave_id        bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    submission_id  text NOT NULL,
    respondent_id  bigint REFERENCES respondents (id) ON DELETE SET NULL,
    outcome        text NOT NULL CHECK (outcome IN ('complete', 'quality_terminate', 'duplicate', 'screened_out',
                                                    'over_quota')),
    decision       text CHECK (decision IN ('approve', 'reject')),
    reason_code    text,
    reconciled_at  timestamptz,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (wave_id, submission_id)
);
CREATE INDEX wave_submissions_pending_idx ON wave_submissions (wave_id)
    WHERE decision IS NOT NULL AND reconciled_at IS NULL;

CREATE TABLE provider_events (
    provider     text NOT NULL,
    event_id     text NOT NULL,
    kind         text NOT NULL,
    project_id   text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);
