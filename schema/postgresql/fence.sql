-- Participant transaction log (the fence), PostgreSQL 13+.
-- One row per (xid, branch) that reached this participant. Apply it in the schema that holds the
-- business tables: the fence row commits in the same local transaction as the business SQL.
--
-- Times are written by the database's own clock (statement_timestamp()), so the deadline check and the
-- cleanup's age test read one clock. deadline_ms comes from the initiator with the xid: epoch milliseconds.
CREATE TABLE IF NOT EXISTS tcc_fence (
  xid          VARCHAR(128) NOT NULL,
  branch_id    VARCHAR(64)  NOT NULL,
  action       VARCHAR(128) NOT NULL,
  -- TRIED, CONFIRMED or CANCELLED
  state        VARCHAR(16)  NOT NULL CONSTRAINT chk_tcc_fence_state CHECK (state IN ('TRIED', 'CONFIRMED', 'CANCELLED')),
  -- TRUE when a cancel arrived before any try: nothing was released, later tries are refused
  empty_cancel BOOLEAN      NOT NULL DEFAULT FALSE,
  -- the try's arguments as recorded at try time, replayed to confirm and cancel
  args         TEXT         NULL CONSTRAINT chk_tcc_fence_args_size CHECK (octet_length(args) <= 65535),
  deadline_ms  BIGINT       NOT NULL,
  created_at   TIMESTAMPTZ  NOT NULL,
  updated_at   TIMESTAMPTZ  NOT NULL,
  PRIMARY KEY (xid, branch_id)
);

-- cleanup reads finished rows by age: two index ranges, no table scan
CREATE INDEX IF NOT EXISTS idx_tcc_fence_state_updated ON tcc_fence (state, updated_at);
