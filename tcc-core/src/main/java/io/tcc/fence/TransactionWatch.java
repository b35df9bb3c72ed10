package io.tcc.fence;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Watches what a business method does on the fenced transaction's connection, so that the fence reads its row back
 * only when something could have lost the transaction underneath it: an SQL error (PostgreSQL then aborts the
 * transaction and turns COMMIT into a rollback; InnoDB rolls a deadlock victim back whole), a statement that is not
 * plain DML or a query (ROLLBACK, COMMIT, DDL with its implicit commit, CALL), a transaction call on the connection
 * (commit, rollback, autocommit), or a way around the watch (unwrap). A business method that did none of these
 * cannot have lost the transaction, and its row is as the fence wrote it.
 *
 * <p>The business method sees the connection through a proxy, bound in place of the transaction's own for the time
 * it runs, in a transaction the fence began or a caller's it joined. Only on a {@code DataSourceTransactionManager}:
 * with another transaction manager (whose SQL may reach the database by another path, as JPA's does) the row is always
 * read back.
 */
final class TransactionWatch {

    /** The business method, run inside the fenced transaction. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws Throwable;
    }

    /** What the business method returned, and whether the transaction may have been lost meanwhile. */
    record Watched<T>(T value, boolean suspect) {
    }

    /** Statements that can neither end a transaction nor hide one that ends it. */
    private static final Set<String> PLAIN = Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "VALUES",
            "TABLE", "MERGE");

    /** Connection calls that leave the transaction as it is; any other is suspect. */
    private static final Set<String> HARMLESS = Set.of("createStatement", "prepareStatement", "getMetaData",
            "getAutoCommit", "getTransactionIsolation", "isReadOnly", "getWarnings", "clearWarnings", "nativeSQL",
            "setSavepoint", "releaseSavepoint", "isClosed", "isValid", "getCatalog", "getSchema", "getHoldability",
            "getTypeMap", "createClob", "createBlob", "createNClob", "createSQLXML", "createArrayOf", "createStruct",
            "getClientInfo", "getNetworkTimeout", "isWrapperFor", "toString");

    /** Watches nothing: every business method is suspect, and its row is read back. */
    static final TransactionWatch NONE = new TransactionWatch(null);

    private final DataSource dataSource;

    /** @param dataSource the fence's, whose transaction the fence began itself; null to watch nothing */
    TransactionWatch(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    <T> Watched<T> run(Connection connection, Body<T> body) throws Throwable {
        if (dataSource == null
                || !(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder original)
                || original.getConnection() != connection) {
            return new Watched<>(body.run(), true);
        }
        Observer observer = new Observer(connection);
        WatchedHolder holder = new WatchedHolder(observer.connection, original);
        TransactionSynchronizationManager.unbindResource(dataSource);
        TransactionSynchronizationManager.bindResource(dataSource, holder);
        T value;
        try {
            value = body.run();
        } finally {
            TransactionSynchronizationManager.unbindResourceIfPossible(dataSource);
            TransactionSynchronizationManager.bindResource(dataSource, original);
            if (holder.isRollbackOnly()) {
                original.setRollbackOnly(); // a nested @Transactional marked it: the fence's commit must see that
                observer.suspect = true;
            }
        }
        return new Watched<>(value, observer.suspect);
    }

    /** The transaction's holder as the business method sees it: the watched connection, the transaction active. */
    private static final class WatchedHolder extends ConnectionHolder {
        private final ConnectionHolder original;

        WatchedHolder(Connection watched, ConnectionHolder original) {
            super(watched, true);
            this.original = original;
            setSynchronizedWithTransaction(true);
        }

        /** Named by the transaction's own counter: a nested scope's savepoint never takes a caller's savepoint name. */
        @Override
        public Savepoint createSavepoint() throws SQLException {
            return original.createSavepoint();
        }
    }

    /** Passes every call through, noting whatever could have lost the transaction. */
    private static final class Observer {
        final Connection connection;
        volatile boolean suspect;

        Observer(Connection target) {
            connection = wrap(target, Connection.class);
        }

        <T> T wrap(Object target, Class<T> type) {
            return type.cast(Proxy.newProxyInstance(TransactionWatch.class.getClassLoader(), new Class<?>[] {type},
                    new Handler(target, type)));
        }

        private final class Handler implements InvocationHandler {
            private final Object target;
            private final Class<?> type;

            Handler(Object target, Class<?> type) {
                this.target = target;
                this.type = type;
            }

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                String name = method.getName();
                if (name.equals("equals")) {
                    return proxy == args[0];
                }
                if (name.equals("hashCode")) {
                    return System.identityHashCode(proxy);
                }
                if (type == Connection.class) {
                    boolean toSavepoint = name.equals("rollback") && args != null && args.length == 1;
                    if (!HARMLESS.contains(name) && !toSavepoint) {
                        suspect = true;
                    }
                    if (name.equals("prepareStatement")) {
                        check((String) args[0]);
                    }
                } else if (Statement.class.isAssignableFrom(type) && args != null && args.length > 0
                        && args[0] instanceof String sql && (name.startsWith("execute") || name.equals("addBatch"))) {
                    check(sql);
                }
                Object result;
                try {
                    result = method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof SQLException) {
                        suspect = true;
                    }
                    throw e.getCause();
                }
                if (name.equals("getConnection") && Statement.class.isAssignableFrom(type)) {
                    return connection; // the watched one, never the connection underneath
                }
                Class<?> returned = method.getReturnType();
                if (result != null && (Statement.class.isAssignableFrom(returned) || returned == ResultSet.class)) {
                    return wrap(result, returned);
                }
                return result;
            }
        }

        /** Anything but plain DML or a query is suspect; so is a leading comment the driver may execute. */
        private void check(String sql) {
            String s = sql.stripLeading();
            while (s.startsWith("--") || (s.startsWith("/*") && !s.startsWith("/*!"))) {
                int end = s.startsWith("--") ? s.indexOf('\n') : s.indexOf("*/");
                s = end < 0 ? "" : s.substring(end + (s.startsWith("--") ? 1 : 2)).stripLeading();
            }
            int word = 0;
            while (word < s.length() && Character.isLetter(s.charAt(word))) {
                word++;
            }
            if (!PLAIN.contains(s.substring(0, word).toUpperCase(Locale.ROOT))) {
                suspect = true;
            }
        }
    }
}
