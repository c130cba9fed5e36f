-- Alerts on objectives (table objectives, 0005) and significant drops: per-poll alert settings, alert events
-- (unique by a deterministic event id, so re-evaluating a wave never raises one twice), one outbox row per
-- message × channel × target, and a log of every delivery attempt. No personal data beyond the
-- e-mail addresses an organisation chooses to notify.

CREATE TABLE alert_settings (
    poll_id         bigint PRIMARY KEY REFERENCES polls (id) ON DELETE CASCADE,
    webhook_url     text NOT NULL DEFAULT '',
    webhook_secret  text NOT NULL DEFAULT '',
    email_to        text[] NOT NULL DEFAULT '{}',
    digest          boolean NOT NULL DEFAULT false,    -- one message per wave instead of one per event
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_events (
    id          text PRIMARY KEY,                      -- deterministic: the same finding always has the same id
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    wave_id     bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('objective.breached', 'estimate.significant_drop')),
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_events_wave_idx ON alert_events (poll_id, wave_id);

-- A message to send: one per event (or per wave digest) × channel × target. 'sending' is a claim, so two
-- instances never send the same message at once.
CREATE TABLE alert_deliveries (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    text NOT NULL,                       -- the event id, or digest:<poll>:<wave>
    poll_id       bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    wave_id       bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    channel       text NOT NULL CHECK (channel IN ('webhook', 'email')),
    target        text NOT NULL,
    body          jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    UNIQUE (message_id, channel, target)
);
CREATE INDEX alert_deliveries_open_idx ON alert_deliveries (status) WHERE status IN ('pending', 'sending');

CREATE TABLE alert_delivery_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    ok           boolean NOT NULL,
    status_code  integer,
    error        text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_delivery_log_delivery_idx ON alert_delivery_log (delivery_id);

-- Published waves whose objectives and changes have been evaluated for alerts (each wave once).
CREATE TABLE alert_evaluations (
    wave_id       bigint PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
    evaluated_at  timestamptz NOT NULL DEFAULT now()
);
