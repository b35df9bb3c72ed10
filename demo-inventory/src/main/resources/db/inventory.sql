-- The inventory service's business tables (MySQL 8 / MariaDB 10.11+), beside schema/mysql/fence.sql in its database.

-- Per SKU: what can be sold, what tries froze, and what confirms sold. The sum of the three never changes.
CREATE TABLE IF NOT EXISTS stock (
  sku       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  available INT         NOT NULL,
  frozen    INT         NOT NULL DEFAULT 0,
  sold      INT         NOT NULL DEFAULT 0,
  CONSTRAINT chk_stock_not_negative CHECK (available >= 0 AND frozen >= 0 AND sold >= 0)
) ENGINE = InnoDB;

-- One reservation per order (one order is one global transaction), the classic freeze-table pattern: the try writes
-- it FROZEN, the confirm moves it to SOLD, the cancel to RELEASED. The fence decides which of them runs, and once.
CREATE TABLE IF NOT EXISTS stock_freeze (
  order_id   VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  sku        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  quantity   INT         NOT NULL,
  state      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY idx_stock_freeze_sku_state (sku, state),
  CONSTRAINT chk_stock_freeze_state CHECK (state IN ('FROZEN', 'SOLD', 'RELEASED'))
) ENGINE = InnoDB;
