-- Initiator's global log, MySQL 8 / MariaDB 10.11+, InnoDB: one row per global transaction that registered a
-- branch, one row per branch. Apply it in the initiator's database; recovery reads it from there.
-- Epoch-millisecond columns (deadline_ms, next_attempt_ms) are compared with the database's own clock.
CREATE TABLE IF NOT EXISTS tcc_global (
  xid             VARCHAR(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- TRYING, CONFIRMING, CANCELLING, CONFIRMED or CANCELLED
  state           VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- what started it (class.method or the template's name), for operators
  name            VARCHAR(256)  NULL,
  deadline_ms     BIGINT        NOT NULL,
  -- phase-two or recovery attempts so far
  attempts        INT           NOT NULL DEFAULT 0,
  -- when recovery should look at it next; NULL once finished or flagged, so "what is due" is an index range
  next_attempt_ms BIGINT        NULL,
  -- flagged for an operator after too many attempts; the reason says what failed last
  needs_operator  BOOLEAN       NOT NULL DEFAULT FALSE,
  operator_reason VARCHAR(1024) NULL,
  created_at      DATETIME(3)   NOT NULL,
  updated_at      DATETIME(3)   NOT NULL,
  PRIMARY KEY (xid),
  KEY idx_tcc_global_due (next_attempt_ms),
  KEY idx_tcc_global_state_updated (state, updated_at),
  CONSTRAINT chk_tcc_global_state CHECK (state IN ('TRYING', 'CONFIRMING', 'CANCELLING', 'CONFIRMED', 'CANCELLED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tcc_branch (
  xid          VARCHAR(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  branch_id    VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- the participant service ("local" for a participant inside the initiator) and its action
  participant  VARCHAR(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  action       VARCHAR(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- where phase two and recovery reach it (a base URL for remote participants), NULL for local ones
  endpoint     VARCHAR(512)  NULL,
  -- REGISTERED (written before its try is sent), CONFIRMED or CANCELLED
  state        VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  last_outcome VARCHAR(1024) NULL,
  created_at   DATETIME(3)   NOT NULL,
  updated_at   DATETIME(3)   NOT NULL,
  PRIMARY KEY (xid, branch_id),
  CONSTRAINT chk_tcc_branch_state CHECK (state IN ('REGISTERED', 'CONFIRMED', 'CANCELLED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
