-- The staff view: an optional anonymous round of the poll's sales and service staff, entered through a shared link,
-- answering the brand questions as they believe customers would.
-- A respondent's kind says whom the answers speak for: 'public' (a panel respondent), 'test' (a test link, a
-- provider's test mode) or 'staff' (a staff round). Only public respondents are ever estimated, counted or booked:
-- respondents.test, read by every count as NOT test, becomes "not public", derived from the kind.

ALTER TABLE respondents ADD COLUMN kind text NOT NULL DEFAULT 'public'
    CHECK (kind IN ('public', 'test', 'staff'));
UPDATE respondents SET kind = 'test' WHERE test;
ALTER TABLE respondents DROP COLUMN test;
ALTER TABLE respondents ADD COLUMN test boolean GENERATED ALWAYS AS (kind <> 'public') STORED;

-- A staff round: the hash of its shared link's token (the token itself is shown once, never stored), the wave whose
-- hosted survey staff take, and when it was closed (no entries after that). At most one open round per poll.
CREATE TABLE staff_rounds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    wave_id     bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    opened_at   timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz
);
CREATE UNIQUE INDEX staff_rounds_open_idx ON staff_rounds (poll_id) WHERE closed_at IS NULL;

-- The round a staff respondent answered in (null for every other kind).
ALTER TABLE respondents ADD COLUMN staff_round_id bigint REFERENCES staff_rounds (id) ON DELETE CASCADE;
ALTER TABLE respondents ADD CONSTRAINT respondents_staff_round_check
    CHECK ((kind = 'staff') = (staff_round_id IS NOT NULL));
