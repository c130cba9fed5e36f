-- Data out and in: waves imported from another provider, a respondent's own weight from an imported file, and
-- figures that count as changed when their wave publishes (for incremental readers of /api/v1/estimates).

-- NULL: fielded by this service. Otherwise the provider or study an imported wave came from; trends mark a
-- break where the source changes.
ALTER TABLE waves ADD COLUMN source text CHECK (source IS NULL OR length(source) BETWEEN 1 AND 200);

-- The imported file's own weight, kept only when an imported wave is estimated with its own weights (it is
-- then the wave's final weight; otherwise the wave is raked like any other and this stays NULL).
ALTER TABLE respondents ADD COLUMN given_weight double precision
    CHECK (given_weight IS NULL OR (given_weight > 0 AND given_weight < 'Infinity'::double precision));

-- A wave's figures (and the windows ending at it) are stored while it is processing and shown once it is
-- published: publishing touches their updated_at, so a reader syncing by updated_since sees them then.
CREATE FUNCTION estimates_touch_on_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE estimates SET updated_at = now() WHERE wave_id = NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER waves_publish_touches_estimates
    AFTER UPDATE OF state ON waves
    FOR EACH ROW WHEN (NEW.state = 'published' AND OLD.state IS DISTINCT FROM 'published')
    EXECUTE FUNCTION estimates_touch_on_publish();

-- Keyset pages over (updated_at, id).
DROP INDEX estimates_updated_idx;
CREATE INDEX estimates_updated_idx ON estimates (updated_at, id);
