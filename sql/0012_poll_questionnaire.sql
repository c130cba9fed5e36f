-- What a poll sets about its questionnaire beyond brands and category: the language it is asked in, the
-- category's wording in each language, the organisation's own image attributes and the optional modules.
-- Polls stored before keep the questionnaire they were fielded with: English, the default attributes and every
-- module (language 'en', attributes and modules null = the defaults).

ALTER TABLE polls
    ADD COLUMN language          text NOT NULL DEFAULT 'en',
    ADD COLUMN category_wording  jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(category_wording) = 'object'),
    ADD COLUMN attributes        jsonb CHECK (attributes IS NULL OR jsonb_typeof(attributes) = 'array'),
    ADD COLUMN modules           jsonb CHECK (modules IS NULL OR jsonb_typeof(modules) = 'array');
