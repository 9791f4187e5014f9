-- Ingest schema version 2: the tile manifest, quarantined tiles and per-section ingest summaries.
--
-- One manifest row per (run, section, mFoV, beam): the primary key is what guarantees that a restarted ingest
-- never writes a tile twice (Spring Batch restarts from the last committed chunk; the key is the backstop).

CREATE TABLE ingest_tile (
  run_id          VARCHAR(512)  NOT NULL,
  section_index   INTEGER       NOT NULL,
  section         INTEGER       NOT NULL,
  mfov            INTEGER       NOT NULL,
  beam            INTEGER       NOT NULL,
  path            VARCHAR(1024) NOT NULL,
  acquired        VARCHAR(64)   NOT NULL,
  stage_x         DOUBLE PRECISION NOT NULL,
  stage_y         DOUBLE PRECISION NOT NULL,
  stage_z         DOUBLE PRECISION NOT NULL,
  width           INTEGER       NOT NULL,
  height          INTEGER       NOT NULL,
  bytes           BIGINT        NOT NULL,
  checksum        VARCHAR(16)   NOT NULL,
  thumbnail_path  VARCHAR(1024),
  CONSTRAINT ingest_tile_pk PRIMARY KEY (run_id, section_index, mfov, beam)
);

CREATE TABLE ingest_quarantine (
  run_id          VARCHAR(512)  NOT NULL,
  section_index   INTEGER       NOT NULL,
  path            VARCHAR(1024) NOT NULL,
  mfov            INTEGER,
  beam            INTEGER,
  reason          VARCHAR(32)   NOT NULL,
  detail          VARCHAR,
  detected_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT ingest_quarantine_pk PRIMARY KEY (run_id, section_index, path)
);
CREATE INDEX ingest_quarantine_reason ON ingest_quarantine (run_id, reason);

CREATE TABLE ingest_section (
  run_id            VARCHAR(512)  NOT NULL,
  section_index     INTEGER       NOT NULL,
  section           INTEGER       NOT NULL,
  folder            VARCHAR(1024) NOT NULL,
  state             VARCHAR(32)   NOT NULL,
  tiles_listed      INTEGER       DEFAULT 0 NOT NULL,
  tiles_ingested    INTEGER       DEFAULT 0 NOT NULL,
  tiles_quarantined INTEGER       DEFAULT 0 NOT NULL,
  tiles_superseded  INTEGER       DEFAULT 0 NOT NULL,
  bytes             BIGINT        DEFAULT 0 NOT NULL,
  report            VARCHAR,
  updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT ingest_section_pk PRIMARY KEY (run_id, section_index)
);
