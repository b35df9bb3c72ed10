-- Fence statements for MySQL 8 and MariaDB 10.11+. ${table} is the configured fence table.
-- Times come from the database's own UTC clock; the deadline is compared in epoch milliseconds.

-- name: insert-tried
-- Inserts nothing when the deadline has passed by the database's clock; a duplicate key raises 1062.
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
SELECT ?, ?, ?, 'TRIED', FALSE, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM DUAL
WHERE ? > TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000

-- name: insert-empty-cancel
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
VALUES (?, ?, ?, 'CANCELLED', TRUE, NULL, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))

-- name: transition
-- Compare-and-set: zero rows means the row is absent, another call moved it first, or it is another action's.
UPDATE ${table} SET state = ?, updated_at = UTC_TIMESTAMP(3)
WHERE xid = ? AND branch_id = ? AND action = ? AND state = ?

-- name: find
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ?

-- name: find-locking
-- A current read (latest committed version), used only where the row is known to exist.
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ? LOCK IN SHARE MODE

-- name: find-finished
-- No ORDER BY: the index (state, updated_at) yields the batch without sorting every expired row.
SELECT xid, branch_id FROM ${table}
WHERE state IN ('CONFIRMED', 'CANCELLED') AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
LIMIT ?

-- name: delete-finished
-- ${keys} is one (?, ?) per key of the batch. Rechecks state and age, so a row that changed since it was found is kept.
DELETE FROM ${table}
WHERE (xid, branch_id) IN (${keys}) AND state IN ('CONFIRMED', 'CANCELLED')
  AND updated_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
