-- Fence statements for MySQL 8 and MariaDB 10.11+. ${table} is the configured fence table.
-- ${now} and ${now_ms} are the database's own clock (see Dialect); the deadline is compared in epoch milliseconds.

-- name: insert-tried
-- Inserts nothing when the deadline has passed by the database's clock; a duplicate key raises 1062.
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
SELECT ?, ?, ?, 'TRIED', FALSE, ?, ?, ${now}, ${now} FROM DUAL
WHERE ? > ${now_ms}

-- name: insert-empty-cancel
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
VALUES (?, ?, ?, 'CANCELLED', TRUE, NULL, ?, ${now}, ${now})

-- name: transition
-- Compare-and-set: zero rows means the row is absent, another call moved it first, or it is another action's.
UPDATE ${table} SET state = ?, updated_at = ${now}
WHERE xid = ? AND branch_id = ? AND action = ? AND state = ?

-- name: find
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ?

-- name: find-locking
-- A current read (latest committed version), used only where the row is known to exist.
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ? LOCK IN SHARE MODE

-- name: find-finished
-- A row goes only once its deadline, too, lies a retention back: a late repeat of its confirm or cancel is then
-- answered as finished by the deadline it carries (Fence: CLEANED_UP).
-- No ORDER BY: the index (state, updated_at) yields the batch without sorting every expired row.
SELECT xid, branch_id FROM ${table}
WHERE state IN ('CONFIRMED', 'CANCELLED') AND updated_at < ${now} - INTERVAL ? SECOND
  AND deadline_ms < ${now_ms} - ?
LIMIT ?

-- name: delete-finished
-- ${keys} is one (?, ?) per key of the batch. Rechecks state and age, so a row that changed since it was found is kept.
DELETE FROM ${table}
WHERE (xid, branch_id) IN (${keys}) AND state IN ('CONFIRMED', 'CANCELLED')
  AND updated_at < ${now} - INTERVAL ? SECOND AND deadline_ms < ${now_ms} - ?

-- name: now-ms
-- The database's clock in epoch milliseconds: the clock deadlines and cleanup's age test are read against.
SELECT ${now_ms}
