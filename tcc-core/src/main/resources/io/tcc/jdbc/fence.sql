-- Fence statements for every supported database. ${table} is the configured fence table; ${now}, ${now_ms} and
-- ${seconds_ago} are the database's own clock (see Dialect); deadlines are compared in epoch milliseconds.
-- A database whose SQL differs for a statement overrides just that one in its own folder (mysql/, postgresql/).

-- name: insert-tried
-- Inserts nothing when the deadline has passed by the database's clock or the row exists.
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
SELECT ?, ?, ?, 'TRIED', FALSE, ?, ?, ${now}, ${now}
WHERE ? > ${now_ms}
ON CONFLICT (xid, branch_id) DO NOTHING

-- name: insert-empty-cancel
INSERT INTO ${table} (xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at)
VALUES (?, ?, ?, 'CANCELLED', TRUE, NULL, ?, ${now}, ${now})
ON CONFLICT (xid, branch_id) DO NOTHING

-- name: transition
-- Compare-and-set: zero rows means the row is absent, another call moved it first, or it is another action's.
UPDATE ${table} SET state = ?, updated_at = ${now}
WHERE xid = ? AND branch_id = ? AND action = ? AND state = ?

-- name: transition-carrying
-- The compare-and-set of a confirm or cancel that carries the try's arguments: it also matches only when the row
-- recorded exactly those arguments, so the business method never runs with any others.
UPDATE ${table} SET state = ?, updated_at = ${now}
WHERE xid = ? AND branch_id = ? AND action = ? AND state = ? AND args = ?

-- name: find
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ?

-- name: find-locking
-- A current read (latest committed version), used only where the row is known to exist.
SELECT xid, branch_id, action, state, empty_cancel, args, deadline_ms, created_at, updated_at
FROM ${table} WHERE xid = ? AND branch_id = ? FOR SHARE

-- name: find-finished
-- A row goes only once its deadline, too, lies a retention back: a late repeat of its confirm or cancel is then
-- answered as finished by the deadline it carries (Fence: CLEANED_UP). No ORDER BY: the index (state, updated_at)
-- yields the batch without sorting every expired row.
SELECT xid, branch_id FROM ${table}
WHERE state IN ('CONFIRMED', 'CANCELLED') AND updated_at < ${seconds_ago}
  AND deadline_ms < ${now_ms} - ?
LIMIT ?

-- name: delete-finished
-- ${keys} is one (?, ?) per key of the batch. Rechecks state and age, so a row that changed since it was found is kept.
DELETE FROM ${table}
WHERE (xid, branch_id) IN (${keys}) AND state IN ('CONFIRMED', 'CANCELLED')
  AND updated_at < ${seconds_ago} AND deadline_ms < ${now_ms} - ?

-- name: now-ms
-- The database's clock in epoch milliseconds: the clock deadlines and cleanup's age test are read against.
SELECT ${now_ms}
