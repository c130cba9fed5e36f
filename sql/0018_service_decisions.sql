-- The marketer's decision per service feature of a poll, overriding the analysis' recommendation: include as
-- standard, offer as a paid add-on at a price, or do not promise, with an optional note. No row: the promise
-- follows the analysis. Who decided is the key's prefix (no personal data).

CREATE TABLE service_decisions (
    poll_id     bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    feature_id  text NOT NULL,
    choice      text NOT NULL CHECK (choice IN ('standard', 'paid_add_on', 'do_not_promise')),
    price       double precision CHECK (price IS NULL OR price >= 0),
    note        text NOT NULL DEFAULT '',
    decided_by  text NOT NULL DEFAULT '',
    decided_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (poll_id, feature_id),
    CHECK ((choice = 'paid_add_on') = (price IS NOT NULL))
);
