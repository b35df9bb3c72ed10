-- MySQL 8 and MariaDB 10.11+: only the fence statements whose SQL differs from ../fence.sql.

-- name: insert-tried
-- Inserts nothing when the deadline has passed by the database's clock; a duplicate key raises 1062, which the fence
-- reads as "the row exists" (InnoDB keeps the transaction usable after a failed statement).
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
SELECT ?, ?, ?, 'TRIED', FALSE, ?, ?, ${now}, ${now} FROM DUAL
WHERE ? > ${now_ms}

-- name: insert-empty-cancel
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
VALUES (?, ?, ?, 'CANCELLED', TRUE, NULL, ?, ${now}, ${now})

-- name: find-locking
-- A current read; MariaDB knows no FOR SHARE.
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ? LOCK IN SHARE MODE

-- name: transition-carrying
-- Compares the arguments byte for byte, whatever collation the args column was given.
UPDATE ${table} SET state = ?, updated_at = ${now}
WHERE xid = ? AND branch_id = ? AND action = ? AND state = ? AND args = CAST(? AS BINARY)
