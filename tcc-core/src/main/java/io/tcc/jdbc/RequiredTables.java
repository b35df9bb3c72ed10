package io.tcc.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tcc.TccSetupException;

/**
 * Checks at start-up that the tables a part of the framework writes exist, so a schema file nobody applied stops
 * start-up naming the file, instead of failing the first transaction (or every recovery pass) hours later; on a
 * Galera node, also its settings ({@link GaleraSettings}).
 */
public final class RequiredTables {

    private static final Logger log = LoggerFactory.getLogger(RequiredTables.class);

    /** Where the schema files ship: {@code schema/} in the sources, this folder in tcc-core's jar. */
    public static final String SCHEMA_IN_JAR = "META-INF/tcc/schema";
    /** Flyway's versioned copies of the same files: {@code <dialect>/<file's base name>/} under this folder. */
    public static final String MIGRATIONS_IN_JAR = "META-INF/tcc/migration";

    private RequiredTables() {
    }

    /**
     * Refuses start-up when any of {@code tables} is missing from the database behind {@code dataSource}.
     *
     * @param file   the schema file that creates them: {@code fence.sql}, {@code global.sql} or {@code quartz.sql}
     * @param reason who needs them, for the message: "the participant fence (tcc.fence.table)"
     */
    public static void require(DataSource dataSource, String file, String reason, String... tables) {
        List<String> missing = new ArrayList<>();
        Dialect dialect;
        try {
            dialect = Dialect.detect(dataSource);
        } catch (RuntimeException e) {
            // the database is out of reach: the pool says so on its own, and the tables are checked on the next start
            log.warn("could not check that the tables {} exist ({}); if they are missing, apply schema/.../{}",
                    List.of(tables), e.getMessage(), file);
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            if (dialect == Dialect.MYSQL) {
                GaleraSettings.check(connection);
            }
            for (String table : tables) {
                if (!exists(connection, table)) {
                    missing.add(table);
                }
            }
        } catch (SQLException e) {
            log.warn("could not check that the tables {} exist ({}); if they are missing, apply schema/.../{}",
                    List.of(tables), e.getMessage(), file);
            return;
        }
        if (!missing.isEmpty()) {
            String folder = dialect.name().toLowerCase(Locale.ROOT);
            String base = file.substring(0, file.indexOf('.'));
            throw new TccSetupException("The table(s) " + missing + " that " + reason + " needs do not exist in the"
                    + " application's database", "Apply schema/" + folder + "/" + file + " (in tcc-core's jar: "
                    + SCHEMA_IN_JAR + "/" + folder + "/" + file + "), or add the Flyway location classpath:"
                    + MIGRATIONS_IN_JAR + "/" + folder + "/" + base + " (Liquibase: " + MIGRATIONS_IN_JAR
                    + "/liquibase/" + base + ".xml); see docs/getting-started.md, step 2 (Apply the schema)");
        }
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            if (isUndefinedTable(e)) {
                return false;
            }
            throw e;
        } finally {
            if (!connection.getAutoCommit()) {
                connection.rollback(); // PostgreSQL: a failed statement aborts the transaction it ran in
            }
        }
    }

    /** MySQL/MariaDB 1146 ER_NO_SUCH_TABLE (SQLState 42S02); PostgreSQL 42P01 undefined_table. */
    private static boolean isUndefinedTable(SQLException e) {
        return e.getErrorCode() == 1146 || "42S02".equals(e.getSQLState()) || "42P01".equals(e.getSQLState());
    }
}
