-- Initiator's global log, PostgreSQL 13+: one row per global transaction that registered a branch, one row per
-- branch. Apply it in the initiator's database; recovery reads it from there.
-- Epoch-millisecond columns (deadline_ms, next_attempt_ms) are compared with the database's own clock.
CREATE TABLE IF NOT EXISTS tcc_global (
  xid             VARCHAR(128)  NOT NULL PRIMARY KEY,
  -- TRYING, CONFIRMING, CANCELLING, CONFIRMED or CANCELLED
  state           VARCHAR(16)   NOT NULL CONSTRAINT chk_tcc_global_state
                    CHECK (state IN ('TRYING', 'CONFIRMING', 'CANCELLING', 'CONFIRMED', 'CANCELLED')),
  -- what started it (class.method or the template's name), for operators
  name            VARCHAR(256)  NULL,
  deadline_ms     BIGINT        NOT NULL,
  attempts        INT           NOT NULL DEFAULT 0,
  -- when recovery should look at it next; NULL once finished or flagged, so "what is due" is an index range
  next_attempt_ms BIGINT        NULL,
  needs_operator  BOOLEAN       NOT NULL DEFAULT FALSE,
  operator_reason VARCHAR(1024) NULL,
  created_at      TIMESTAMPTZ   NOT NULL,
  updated_at      TIMESTAMPTZ   NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_tcc_global_due ON tcc_global (next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_tcc_global_state_updated ON tcc_global (state, updated_at);

CREATE TABLE IF NOT EXISTS tcc_branch (
  xid          VARCHAR(128)  NOT NULL,
  branch_id    VARCHAR(64)   NOT NULL,
  -- the participant service ("local" for a participant inside the initiator) and its action
  participant  VARCHAR(128)  NOT NULL,
  action       VARCHAR(128)  NOT NULL,
  -- where phase two and recovery reach it (a base URL for remote participants), NULL for local ones
  endpoint     VARCHAR(512)  NULL,
  -- REGISTERED (written before its try is sent), CONFIRMED or CANCELLED
  state        VARCHAR(16)   NOT NULL CONSTRAINT chk_tcc_branch_state CHECK (state IN ('REGISTERED', 'CONFIRMED', 'CANCELLED')),
  last_outcome VARCHAR(1024) NULL,
  created_at   TIMESTAMPTZ   NOT NULL,
  updated_at   TIMESTAMPTZ   NOT NULL,
  PRIMARY KEY (xid, branch_id)
);
