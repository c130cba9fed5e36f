-- Entry and exit belong to the provider: the survey asks the wave's provider to admit each arrival and to book its
-- outcome, so a wave's survey access keeps the provider's name and project (not exit URL templates).
-- Test respondents (test links, a provider's test mode) are stored as tests and never estimated.
-- A wave remembers when its provider became unreachable (shown instead of silent retries) and how "launch now"
-- requests were keyed (at most one wave per idempotency key).

ALTER TABLE survey_links ADD COLUMN provider text NOT NULL DEFAULT '';
ALTER TABLE survey_links ADD COLUMN project_id text NOT NULL DEFAULT '';
ALTER TABLE survey_links ADD COLUMN reference text NOT NULL DEFAULT '';
UPDATE survey_links l SET provider = f.provider, project_id = coalesce(f.project_id, '')
    FROM wave_fieldwork f WHERE f.wave_id = l.wave_id;
ALTER TABLE survey_links DROP COLUMN complete_url;
ALTER TABLE survey_links DROP COLUMN screenout_url;
ALTER TABLE survey_links DROP COLUMN overquota_url;
ALTER TABLE survey_links DROP COLUMN quality_url;

ALTER TABLE respondents ADD COLUMN test boolean NOT NULL DEFAULT false;

ALTER TABLE wave_fieldwork ADD COLUMN unreachable_since timestamptz;
ALTER TABLE wave_fieldwork ADD COLUMN last_error text;

CREATE TABLE launch_requests (
    poll_id          bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    wave_id          bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (poll_id, idempotency_key)
);

-- Outcomes a provider must be told server to server (Cint, PureSpectrum) that could not be told when the
-- respondent left (the provider unreachable): kept until told, with the provider's ids sealed under a key derived
-- from the installation secret (the database alone does not reveal them), then deleted.
CREATE TABLE provider_reports (
    respondent_id  bigint PRIMARY KEY REFERENCES respondents (id) ON DELETE CASCADE,
    wave_id        bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    outcome        text NOT NULL,
    sealed         bytea NOT NULL,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provider_reports_wave_idx ON provider_reports (wave_id);

-- Cancelling a wave closes its project at the provider and settles its submissions (settled_at); pausing asks the
-- driver to pause the project at the provider (and resuming to relaunch it).
ALTER TABLE wave_fieldwork ADD COLUMN settled_at timestamptz;
ALTER TABLE wave_fieldwork ADD COLUMN pause_requested boolean NOT NULL DEFAULT false;
ALTER TABLE wave_fieldwork ADD COLUMN paused boolean NOT NULL DEFAULT false;

-- Refusal reasons a provider's admission can give (another project's respondent, not admitted) and a second attempt
-- by a respondent who already finished.
ALTER TABLE survey_refusals DROP CONSTRAINT survey_refusals_reason_check;
ALTER TABLE survey_refusals ADD CONSTRAINT survey_refusals_reason_check CHECK (reason IN (
    'unsigned', 'bad_signature', 'expired', 'closed', 'unknown_wave', 'bad_id', 'foreign', 'not_admitted', 'repeated'));
