package io.tcc.jdbc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.TccSetupException;
import io.tcc.test.DatabaseKind;
import io.tcc.test.GaleraCluster;
import io.tcc.test.TestDatabase;

/** The start-up check of a Galera node's settings, on the test cluster and on a plain MariaDB. */
class GaleraSettingsIT {

    @Test
    void aGaleraSessionWithoutSyncWaitRefusesStartUpNamingTheSetting() throws Exception {
        GaleraCluster.notRunReason().ifPresent(reason -> {
            System.out.println("GaleraSettingsIT " + reason);
            Assumptions.abort(reason);
        });
        try (TestDatabase db = GaleraCluster.get().createDatabase("galera_settings");
             HikariDataSource node = GaleraCluster.get().newDataSource(1, db, null, 1);
             Connection c = node.getConnection()) {
            assertDoesNotThrow(() -> GaleraSettings.check(c)); // the test cluster runs wsrep_sync_wait=7
            try (Statement s = c.createStatement()) {
                s.execute("SET SESSION wsrep_sync_wait = 1");
            }
            TccSetupException refused = assertThrows(TccSetupException.class, () -> GaleraSettings.check(c));
            assertTrue(refused.getMessage().contains("wsrep_sync_wait=1") && refused.action().contains("wsrep_sync_wait=7"),
                    refused.getMessage());
            try (Statement s = c.createStatement()) {
                s.execute("SET SESSION wsrep_sync_wait = 15");
            }
            assertDoesNotThrow(() -> GaleraSettings.check(c));
        }
    }

    @Test
    void aMariaDbWithoutGaleraPassesTheCheck() throws Exception {
        try (TestDatabase db = TestDatabase.create(DatabaseKind.MYSQL, "galera_settings_plain");
             Connection c = db.dataSource().getConnection()) {
            assertDoesNotThrow(() -> GaleraSettings.check(c));
        }
    }
}
