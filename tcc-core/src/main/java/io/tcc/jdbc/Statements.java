package io.tcc.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;

/**
 * One SQL file's named statements for one database and its tables (see {@link Dialect#statements}), prepared by name:
 * the one place the fence's and the global log's SQL is loaded, prepared and read back.
 */
public final class Statements {

    private final Dialect dialect;
    private final String file;
    private final Map<String, String> sql;

    public Statements(Dialect dialect, String file, Map<String, String> tables) {
        this.dialect = dialect;
        this.file = file;
        this.sql = dialect.statements(file, tables);
    }

    public Dialect dialect() {
        return dialect;
    }

    public PreparedStatement prepare(Connection c, String name) throws SQLException {
        return c.prepareStatement(statement(name));
    }

    /** A statement whose {@code ${keys}} becomes {@code placeholder} (say {@code ?} or {@code (?, ?)}) once per key. */
    public PreparedStatement prepareForKeys(Connection c, String name, int keys, String placeholder) throws SQLException {
        return c.prepareStatement(statement(name).replace("${keys}", String.join(", ", Collections.nCopies(keys, placeholder))));
    }

    private String statement(String name) {
        String statement = sql.get(name);
        if (statement == null) {
            throw new IllegalArgumentException(file + " has no statement '" + name + "' for " + dialect);
        }
        return statement;
    }

    /**
     * An enum column's value.
     *
     * @param row names the row for the message, e.g. "fence row xid=... branch=1 in tcc_fence"
     * @throws UnreadableRowException when the value is none of the constants: written by hand or by another version
     */
    public static <E extends Enum<E>> E read(Class<E> type, String value, String row) {
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UnreadableRowException(row + " has " + type.getSimpleName() + " '" + value + "', none of "
                    + Arrays.toString(type.getEnumConstants()) + "; it was written by hand or by another version:"
                    + " correct the row, then retry the transaction");
        }
    }
}
