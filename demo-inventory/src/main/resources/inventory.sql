-- The demo's business table: per SKU, what can be sold, what tries froze, and what confirms sold.
CREATE TABLE IF NOT EXISTS stock (
  sku       VARCHAR(64) NOT NULL PRIMARY KEY,
  available INT         NOT NULL,
  frozen    INT         NOT NULL,
  sold      INT         NOT NULL,
  CONSTRAINT chk_stock_not_negative CHECK (available >= 0 AND frozen >= 0 AND sold >= 0)
) ENGINE = InnoDB;
