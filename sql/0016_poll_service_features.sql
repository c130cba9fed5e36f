-- The service features a poll asks about: a list of {id, wording, cost, prices, currency} (cost per customer,
-- the Gabor–Granger price ladder, ascending). Null: not asked (every poll stored before).

ALTER TABLE polls
    ADD COLUMN service_features jsonb
        CHECK (service_features IS NULL OR jsonb_typeof(service_features) = 'array');

-- The service dimensions whose satisfaction is asked per brand used (ids of default attributes or {id, label}).
-- Null: not asked.
ALTER TABLE polls
    ADD COLUMN service_satisfaction jsonb
        CHECK (service_satisfaction IS NULL OR jsonb_typeof(service_satisfaction) = 'array');
