-- A small business schema for the tests of every module: stock that try freezes, confirm sells and cancel releases,
-- and one row per business method that ran, so tests count effects in the database, not in memory.
CREATE TABLE stock (
  sku       VARCHAR(128) NOT NULL PRIMARY KEY,
  available INT          NOT NULL,
  frozen    INT          NOT NULL,
  sold      INT          NOT NULL
);
CREATE TABLE effects (
  xid       VARCHAR(128) NOT NULL,
  branch_id VARCHAR(64)  NOT NULL,
  phase     VARCHAR(16)  NOT NULL,
  args      VARCHAR(512) NULL
);
CREATE INDEX idx_effects_xid ON effects (xid, branch_id);
