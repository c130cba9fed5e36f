-- Hosted survey: per-wave entry-link secrets and provider exit URLs, respondent sessions, refused entries,
-- versioned unaided code frames and the coding of each respondent's unaided boxes.
-- Nothing here holds personal data: no IP address, no user agent, no raw provider id. A session keeps the
-- provider's id only encrypted under the session token (which only the respondent's browser holds) until the exit
-- redirect, and then erases it.

CREATE TABLE survey_links (
    wave_id        bigint PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
    secret         text NOT NULL CHECK (length(secret) >= 32),   -- HMAC-SHA256 key of the wave's entry links
    complete_url   text NOT NULL,       -- exit URLs may hold {pid}, {status} and {sig} placeholders
    screenout_url  text NOT NULL,
    overquota_url  text NOT NULL,
    quality_url    text NOT NULL,
    expires_at     timestamptz,         -- entries after this instant are refused
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE survey_sessions (
    respondent_id  bigint PRIMARY KEY REFERENCES respondents (id) ON DELETE CASCADE,
    wave_id        bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),  -- SHA-256 of the session cookie
    exit_ref       bytea,               -- provider id encrypted under the session token; NULL after the exit
    orders         jsonb NOT NULL,      -- the per-respondent order of every randomised question, as shown
    shown          text[] NOT NULL DEFAULT '{}',  -- screen ids in the order they were first shown
    consented_at   timestamptz,         -- when the respondent started past the introduction
    fingerprint    bytea,               -- SHA-256 of the complete answers, for duplicate detection
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX survey_sessions_fingerprint_idx ON survey_sessions (wave_id, fingerprint)
    WHERE fingerprint IS NOT NULL;

-- Entries refused at the door (unsigned, tampered, expired, closed wave). The respondent key is present only when
-- the link named a provider id; the wave only when it exists.
CREATE TABLE survey_refusals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id         bigint REFERENCES waves (id) ON DELETE CASCADE,
    respondent_key  bytea CHECK (length(respondent_key) = 32),
    reason          text NOT NULL CHECK (reason IN ('unsigned', 'bad_signature', 'expired', 'closed', 'unknown_wave',
                                                     'bad_id')),
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX survey_refusals_wave_idx ON survey_refusals (wave_id);

-- Unaided code frames per poll, one row per version (recognition.coding.CodeFrame.to_dict()).
CREATE TABLE code_frames (
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 0),
    frame       jsonb NOT NULL,
    checksum    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (poll_id, version)
);

-- How a respondent's unaided boxes were coded: the frame version, the brands per filled box (also stored as the
-- answer 'unaided_coded' that processing reads) and the fragments left uncoded, for review.
CREATE TABLE unaided_coding (
    respondent_id  bigint PRIMARY KEY REFERENCES respondents (id) ON DELETE CASCADE,
    wave_id        bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    frame_version  integer NOT NULL,
    boxes          jsonb NOT NULL,
    unmatched      text[] NOT NULL DEFAULT '{}',
    coded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unaided_coding_wave_idx ON unaided_coding (wave_id);
