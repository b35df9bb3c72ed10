package io.tcc.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;

class DialectTest {

    private static final String[] FENCE_STATEMENTS = {"insert-tried", "insert-empty-cancel", "transition", "transition-carrying", "find",
            "find-locking", "find-finished", "delete-finished", "now-ms"};

    @Test
    void everyDialectDefinesEveryFenceStatementForTheConfiguredTable() {
        for (Dialect dialect : Dialect.values()) {
            Map<String, String> sql = dialect.statements("fence.sql", Map.of("table", "billing.tcc_fence"));
            for (String name : FENCE_STATEMENTS) {
                assertTrue(sql.containsKey(name), dialect + " lacks " + name);
                assertTrue(name.equals("now-ms") || sql.get(name).contains("billing.tcc_fence"), sql.get(name));
                assertFalse(sql.get(name).contains("--"), "comments are stripped: " + sql.get(name));
                // ${keys} is the one placeholder filled per call: one (?, ?) per key of a cleanup batch
                assertFalse(sql.get(name).replace("${keys}", "").contains("${"), "placeholders are filled: " + sql.get(name));
            }
            assertEquals(FENCE_STATEMENTS.length, sql.size());
        }
    }

    @Test
    void aDatabaseOverridesOnlyTheFenceStatementsWhoseSqlDiffers() {
        Map<String, String> mysql = Dialect.MYSQL.statements("fence.sql", Map.of("table", "f"));
        Map<String, String> postgres = Dialect.POSTGRESQL.statements("fence.sql", Map.of("table", "f"));
        assertTrue(mysql.get("find-locking").endsWith("LOCK IN SHARE MODE"), mysql.get("find-locking"));
        assertTrue(postgres.get("find-locking").endsWith("FOR SHARE"), postgres.get("find-locking"));
        assertFalse(mysql.get("insert-tried").contains("ON CONFLICT"), "InnoDB reports the duplicate key instead");
        assertTrue(postgres.get("insert-tried").contains("ON CONFLICT"), postgres.get("insert-tried"));
        // the shared statements differ only by each database's clock
        assertTrue(mysql.get("find-finished").contains("UTC_TIMESTAMP(3) - INTERVAL ? SECOND"), mysql.get("find-finished"));
        assertTrue(postgres.get("find-finished").contains("make_interval(secs => ?)"), postgres.get("find-finished"));
    }

    @Test
    void everyDialectDefinesTheSameGlobalLogStatementsWithItsOwnClock() {
        Map<String, String> mysql = Dialect.MYSQL.statements("global.sql", Map.of("global", "g", "branch", "b"));
        Map<String, String> postgres = Dialect.POSTGRESQL.statements("global.sql", Map.of("global", "g", "branch", "b"));
        assertEquals(mysql.keySet(), postgres.keySet());
        assertTrue(mysql.get("decide-confirm").contains("UTC_TIMESTAMP(6)"), mysql.get("decide-confirm"));
        assertTrue(postgres.get("decide-confirm").contains("statement_timestamp()"), postgres.get("decide-confirm"));
        mysql.values().forEach(sql -> assertFalse(sql.replace("${keys}", "").contains("${"), sql));
    }

    @Test
    void refusesTableNamesThatCouldInjectSql() {
        assertThrows(IllegalArgumentException.class, () -> Dialect.MYSQL.statements("fence.sql", Map.of("table", "t; DROP TABLE x")));
        assertThrows(IllegalArgumentException.class, () -> Dialect.MYSQL.statements("fence.sql", Map.of("table", "`t`")));
    }

    @Test
    void recognisesDuplicateKeysByVendorCodeOrSqlState() {
        assertTrue(Dialect.MYSQL.isDuplicateKey(new SQLException("Duplicate entry", "23000", 1062)));
        assertFalse(Dialect.MYSQL.isDuplicateKey(new SQLException("Column cannot be null", "23000", 1048)));
        assertTrue(Dialect.POSTGRESQL.isDuplicateKey(new SQLException("duplicate key value", "23505")));
        assertFalse(Dialect.POSTGRESQL.isDuplicateKey(new SQLException("not null violation", "23502")));
    }

    @Test
    void recognisesLockConflictsAnywhereInTheCauseChain() {
        SQLException deadlock = new SQLException("Deadlock found", "40001", 1213);
        assertTrue(Dialect.MYSQL.isConflict(new RuntimeException("wrapped", deadlock)));
        assertTrue(Dialect.MYSQL.isConflict(new SQLException("Lock wait timeout exceeded", "HY000", 1205)));
        assertTrue(Dialect.MYSQL.isConflict(new SQLException(
                "Plugin instructed the server to rollback the current transaction.", "40000", 3101)));
        assertTrue(Dialect.POSTGRESQL.isConflict(new SQLException("deadlock detected", "40P01")));
        assertTrue(Dialect.POSTGRESQL.isConflict(new CannotAcquireLockException("translated by Spring")));
        assertFalse(Dialect.MYSQL.isConflict(new DataIntegrityViolationException("dup",
                new SQLException("Duplicate entry", "23000", 1062))));
        assertFalse(Dialect.POSTGRESQL.isConflict(new IllegalStateException("business")));
    }

    @Test
    void detectsTheSupportedProductsAndRefusesOthers() {
        assertEquals(Dialect.MYSQL, Dialect.of("MySQL"));
        assertEquals(Dialect.MYSQL, Dialect.of("MariaDB"));
        assertEquals(Dialect.POSTGRESQL, Dialect.of("PostgreSQL"));
        IllegalStateException h2 = assertThrows(IllegalStateException.class, () -> Dialect.of("H2"));
        assertTrue(h2.getMessage().contains("not supported"));
    }
}
