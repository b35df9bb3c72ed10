-- Initiator's global log. ${global} and ${branch} are the configured tables; ${now} and ${now_ms} the database's
-- clock, so registration, the decision and recovery compare deadlines against one clock.

-- name: insert-global
INSERT INTO ${global} (xid, state, name, deadline_ms, attempts, next_attempt_ms, needs_operator, created_at, updated_at)
VALUES (?, 'TRYING', ?, ?, 0, ?, FALSE, ${now}, ${now})

-- name: hold-for-registration
-- Locks the global row while a branch registers: the decision changes this same row, so a branch can only be
-- added while the transaction is TRYING and before its deadline, and never after the decision read the branches.
UPDATE ${global} SET updated_at = ${now}
WHERE xid = ? AND state = 'TRYING' AND deadline_ms > ${now_ms}

-- name: insert-branch
INSERT INTO ${branch} (xid, branch_id, participant, action, endpoint, state, last_outcome, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 'REGISTERED', NULL, ${now}, ${now})

-- name: decide-confirm
-- From TRYING only, whatever the deadline: every try succeeded, so confirm stays right past it. Recovery decides
-- cancel only past the deadline plus its margin, with the same compare-and-set, so exactly one of them wins.
UPDATE ${global} SET state = 'CONFIRMING', next_attempt_ms = ${now_ms} + ?, updated_at = ${now}
WHERE xid = ? AND state = 'TRYING'

-- name: decide-cancel
-- From TRYING only: the initiator after a failed try, recovery past the deadline plus its margin, or an operator.
UPDATE ${global} SET state = 'CANCELLING', next_attempt_ms = ${now_ms} + ?, updated_at = ${now}
WHERE xid = ? AND state = 'TRYING'

-- name: finish
UPDATE ${global} SET state = ?, next_attempt_ms = NULL, updated_at = ${now}
WHERE xid = ? AND state = ?

-- name: postpone
UPDATE ${global} SET attempts = attempts + 1, next_attempt_ms = ${now_ms} + ?, updated_at = ${now}
WHERE xid = ? AND state = ?

-- name: transition-branch
UPDATE ${branch} SET state = ?, last_outcome = ?, updated_at = ${now}
WHERE xid = ? AND branch_id = ? AND state = ?

-- name: record-branch-outcome
UPDATE ${branch} SET last_outcome = ?, updated_at = ${now}
WHERE xid = ? AND branch_id = ?

-- name: find-global
SELECT xid, state, name, deadline_ms, attempts, next_attempt_ms, needs_operator, operator_reason, created_at, updated_at
FROM ${global} WHERE xid = ?

-- name: find-branches
SELECT xid, branch_id, participant, action, endpoint, state, last_outcome, created_at, updated_at
FROM ${branch} WHERE xid = ? ORDER BY created_at, branch_id

-- name: find-due
-- What recovery should look at now: an index range over idx_tcc_global_due; finished and flagged rows have NULL here.
SELECT xid FROM ${global}
WHERE next_attempt_ms <= ${now_ms}
ORDER BY next_attempt_ms
LIMIT ?

-- name: flag
-- Hands a transaction to an operator: it keeps its state and leaves recovery's scan.
UPDATE ${global} SET needs_operator = TRUE, operator_reason = ?, next_attempt_ms = NULL, updated_at = ${now}
WHERE xid = ? AND state = ?

-- name: list
-- For operators: optionally one state (NULL for any), only flagged ones, only those older than some seconds.
SELECT xid, state, name, deadline_ms, attempts, next_attempt_ms, needs_operator, operator_reason, created_at, updated_at
FROM ${global}
WHERE (? IS NULL OR state = ?) AND (? = FALSE OR needs_operator = TRUE) AND created_at <= ${seconds_ago}
ORDER BY created_at
LIMIT ?

-- name: retry-now
-- Clears the flag and makes an unfinished transaction due at once.
UPDATE ${global} SET needs_operator = FALSE, next_attempt_ms = ${now_ms}, updated_at = ${now}
WHERE xid = ? AND state IN ('TRYING', 'CONFIRMING', 'CANCELLING')

-- name: resolve
-- An operator's decision, with the reason kept on the row; the transaction is due at once.
UPDATE ${global} SET needs_operator = FALSE, operator_reason = ?, next_attempt_ms = ${now_ms}, updated_at = ${now}
WHERE xid = ? AND state = ?

-- name: find-finished
-- Cleanup: finished transactions last changed more than ? seconds ago (index idx_tcc_global_state_updated), a batch.
SELECT xid FROM ${global}
WHERE state IN ('CONFIRMED', 'CANCELLED') AND updated_at < ${seconds_ago}
LIMIT ?

-- name: delete-branches
-- ${keys} is one ? per xid of the batch.
DELETE FROM ${branch} WHERE xid IN (${keys})

-- name: delete-finished
-- Rechecks that each is finished, so an unfinished transaction is never deleted.
DELETE FROM ${global} WHERE xid IN (${keys}) AND state IN ('CONFIRMED', 'CANCELLED')

-- name: stats
-- For metrics: unfinished transactions per state, how many of them are flagged, and the oldest one's creation time.
-- Reads only unfinished rows (index idx_tcc_global_state_updated), however large the log.
SELECT state, COUNT(*), SUM(CASE WHEN needs_operator THEN 1 ELSE 0 END), MIN(created_at)
FROM ${global} WHERE state IN ('TRYING', 'CONFIRMING', 'CANCELLING')
GROUP BY state

-- name: lock-due
-- Recovery's claim, step 1: lock a batch of due rows no other daemon holds (SKIP LOCKED: they skip ours, we skip
-- theirs), in the same index range as find-due.
SELECT xid FROM ${global}
WHERE next_attempt_ms <= ${now_ms}
ORDER BY next_attempt_ms
LIMIT ?
FOR UPDATE SKIP LOCKED

-- name: lease
-- Recovery's claim, step 2 (same transaction): push the locked rows' next attempt past the lease, so after the commit
-- no other daemon sees them as due until the lease ends. ${keys} is one ? per xid.
UPDATE ${global} SET next_attempt_ms = ${now_ms} + ?, updated_at = ${now} WHERE xid IN (${keys})
