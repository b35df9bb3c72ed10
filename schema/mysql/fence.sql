-- Participant transaction log (the fence), MySQL 8 / MariaDB 10.11+, InnoDB.
-- One row per (xid, branch) that reached this participant. Apply it in the database that holds
-- the business tables: the fence row commits in the same local transaction as the business SQL.
--
-- Times are UTC, written by the database's own clock (UTC_TIMESTAMP), so the deadline check and the
-- cleanup's age test read one clock whatever the time zone of the session or the services.
-- deadline_ms comes from the initiator with the xid: epoch milliseconds, unambiguous across zones.
CREATE TABLE IF NOT EXISTS tcc_fence (
  xid          VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  branch_id    VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  action       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- TRIED, CONFIRMED or CANCELLED
  state        VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- TRUE when a cancel arrived before any try: nothing was released, later tries are refused
  empty_cancel BOOLEAN      NOT NULL DEFAULT FALSE,
  -- the try's arguments as recorded at try time, replayed to confirm and cancel (at most 65,535 bytes)
  args         TEXT         NULL,
  deadline_ms  BIGINT       NOT NULL,
  created_at   DATETIME(3)  NOT NULL,
  updated_at   DATETIME(3)  NOT NULL,
  PRIMARY KEY (xid, branch_id),
  -- cleanup reads finished rows by age: two index ranges, no table scan
  KEY idx_tcc_fence_state_updated (state, updated_at),
  CONSTRAINT chk_tcc_fence_state CHECK (state IN ('TRIED', 'CONFIRMED', 'CANCELLED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
