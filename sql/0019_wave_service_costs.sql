-- The cost per customer of each of the poll's service features as it was when the wave was created (with its
-- questionnaire version): {feature id: cost}. The wave's service analysis weighs revenue against these costs, so a
-- cost changed later does not change the wave's recommendation. NULL: a wave created before costs were kept
-- (its analysis uses the poll's current cost and says so), or a poll without service features.

ALTER TABLE waves ADD COLUMN service_costs jsonb
    CHECK (service_costs IS NULL OR jsonb_typeof(service_costs) = 'object');
