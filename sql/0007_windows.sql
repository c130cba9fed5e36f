-- Rolling windows are computed when a wave publishes and stored beside the waves' own figures: an estimates row
-- belongs to the wave (window_size = 1) or to the window of window_size published waves ending at wave_id.
-- estimate_windows records which waves each window pooled and which window its change is tested against.
-- Undefined numbers (an interval with no bound, a design effect with no variance) are NULL, never 0.
-- updated_at tells an incremental reader which figures changed since its last sync.

ALTER TABLE estimates ADD COLUMN window_size smallint NOT NULL DEFAULT 1 CHECK (window_size >= 1);
ALTER TABLE estimates ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE estimates DROP CONSTRAINT estimates_wave_id_metric_brand_segment_base_key;
ALTER TABLE estimates ADD CONSTRAINT estimates_figure_key UNIQUE (wave_id, window_size, metric, brand, segment, base);
ALTER TABLE estimates ALTER COLUMN estimate DROP NOT NULL;
ALTER TABLE estimates ALTER COLUMN se DROP NOT NULL;
ALTER TABLE estimates ALTER COLUMN ci_low DROP NOT NULL;
ALTER TABLE estimates ALTER COLUMN ci_high DROP NOT NULL;
ALTER TABLE estimates ALTER COLUMN n_eff DROP NOT NULL;
CREATE INDEX estimates_updated_idx ON estimates (updated_at);

CREATE TABLE estimate_windows (
    end_wave_id        bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    window_size        smallint NOT NULL CHECK (window_size >= 2),
    wave_ids           bigint[] NOT NULL,             -- the waves pooled, oldest first; the last is end_wave_id
    previous_wave_ids  bigint[] NOT NULL DEFAULT '{}',  -- the previous non-overlapping window (empty: none yet)
    computed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (end_wave_id, window_size)
);
