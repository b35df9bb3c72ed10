package io.tcc.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.tcc.TccSetupException;

/**
 * What the framework needs of a MariaDB Galera cluster (multi-primary: each instance may write through another node).
 * A node applies other nodes' commits a little after they return, so a statement could miss a row another node has
 * committed: a confirm through node B would not find the try committed through node A. {@code wsrep_sync_wait}
 * bits 1 (reads), 2 (UPDATE, DELETE) and 4 (INSERT, REPLACE) make each statement wait until the node has applied
 * everything committed before it started; without them the fence races fail (docs/scale-out.md).
 */
public final class GaleraSettings {

    /** The {@code wsrep_sync_wait} bits the framework's sessions need. */
    public static final int REQUIRED_SYNC_WAIT = 7;

    private GaleraSettings() {
    }

    /**
     * Refuses start-up on a Galera node ({@code wsrep_on=ON}) whose sessions run without the required
     * {@code wsrep_sync_wait} bits; does nothing on other MySQL-family servers (MySQL 8 has no {@code wsrep_on}).
     */
    public static void check(Connection connection) throws SQLException {
        String on;
        int syncWait;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@GLOBAL.wsrep_on, @@SESSION.wsrep_sync_wait")) {
            rs.next();
            on = rs.getString(1);
            syncWait = rs.getInt(2);
        } catch (SQLException unknownVariable) {
            return; // not a server with wsrep: MySQL, or MariaDB built without it
        }
        if (("ON".equalsIgnoreCase(on) || "1".equals(on)) && (syncWait & REQUIRED_SYNC_WAIT) != REQUIRED_SYNC_WAIT) {
            throw new TccSetupException("The database is a Galera node (wsrep_on=ON) and the framework's sessions run"
                    + " with wsrep_sync_wait=" + syncWait + ": a fence call or recovery read through one node could"
                    + " miss a row another node has already committed, and run a confirm or cancel on a wrong state",
                    "Set wsrep_sync_wait=" + REQUIRED_SYNC_WAIT + " (or any value with bits 1, 2 and 4) on every node"
                    + " ([mysqld] wsrep_sync_wait=" + REQUIRED_SYNC_WAIT + "), or for the framework's connections only"
                    + " (JDBC URL parameter sessionVariables=wsrep_sync_wait=" + REQUIRED_SYNC_WAIT + ");"
                    + " see docs/scale-out.md");
        }
    }
}
