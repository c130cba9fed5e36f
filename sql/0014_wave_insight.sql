-- A published wave's key drivers, image map and mental availability (recognition.waves.insight), computed when
-- the wave publishes (their bootstrap is too heavy to repeat per view) and written in the same transaction as
-- the wave's figures. Plain data: the readers (API, dashboard) only select it.

CREATE TABLE wave_insight (
    wave_id      bigint PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
    body         jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
    computed_at  timestamptz NOT NULL DEFAULT now()
);
