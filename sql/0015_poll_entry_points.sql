-- The category entry points (buying situations) a poll asks about for mental availability: a list of
-- {id, wording}, the wording a text or language → text. Null: not asked (every poll stored before).

ALTER TABLE polls
    ADD COLUMN entry_points jsonb CHECK (entry_points IS NULL OR jsonb_typeof(entry_points) = 'array');
