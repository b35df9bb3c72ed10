package io.tcc.test.fuzz;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

/** The number of rows in every table of a database's current schema: what a run must leave unchanged. */
public final class TableCounts {

    private TableCounts() {
    }

    /** @param skipPrefix tables to leave out (a scheduler's own, which it changes by itself); null for none */
    public static Map<String, Long> of(DataSource dataSource, String skipPrefix) {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection connection = dataSource.getConnection()) {
            try (ResultSet tables = connection.getMetaData().getTables(connection.getCatalog(), connection.getSchema(), "%",
                    new String[] {"TABLE"})) {
                while (tables.next()) {
                    String table = tables.getString("TABLE_NAME");
                    if (skipPrefix == null || !table.toLowerCase(java.util.Locale.ROOT).startsWith(skipPrefix)) {
                        counts.put(table, null);
                    }
                }
            }
            try (Statement statement = connection.createStatement()) {
                for (String table : counts.keySet()) {
                    try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
                        rows.next();
                        counts.put(table, rows.getLong(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not count the rows of the database's tables", e);
        }
        return counts;
    }
}
