-- Each organisation's own credentials for a panel provider, sealed (AES-GCM) under a key derived from the
-- installation secret, so a database dump alone does not reveal them. `shown` keeps what may be displayed: public
-- fields in full, secrets as their last four characters.
CREATE TABLE provider_credentials (
    organisation_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    provider         text NOT NULL CHECK (length(provider) BETWEEN 1 AND 40),
    sealed           bytea NOT NULL,
    shown            jsonb NOT NULL,
    checked_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, provider)
);
