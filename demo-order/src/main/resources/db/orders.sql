-- The order service's business table (MySQL 8 / MariaDB 10.11+), beside schema/mysql/{fence,global,quartz}.sql in its
-- database: it is the initiator (global log, recovery's Quartz tables) and the participant of its own local branch.
CREATE TABLE IF NOT EXISTS orders (
  id         VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  user_id    VARCHAR(64)  NOT NULL,
  sku        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  quantity   INT          NOT NULL,
  -- PENDING (its try ran), CONFIRMED or CANCELLED (its confirm or cancel ran)
  state      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- the global transaction that placed it: tcc_global, tcc_branch and both fences are keyed by it
  xid        VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3)  NOT NULL,
  updated_at DATETIME(3)  NOT NULL,
  KEY idx_orders_xid (xid),
  KEY idx_orders_sku_state (sku, state),
  CONSTRAINT chk_orders_state CHECK (state IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
  CONSTRAINT chk_orders_quantity CHECK (quantity > 0)
) ENGINE = InnoDB;
