package io.tcc.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * One database per service on one MySQL-family server, made fresh: dropped if it exists, created, and given its
 * tables (the framework's DDL from {@code schema/mysql} and each service's own), the way a DBA would apply them.
 */
public final class DemoDatabases implements AutoCloseable {

    private static final Pattern SERVER_URL = Pattern.compile("^(jdbc:mysql://[^/?]+)(?:/[^?]*)?(?:\\?(.*))?$");

    private final String server;
    private final String parameters;
    private final String orderName;
    private final String inventoryName;
    private final boolean dropOnClose;
    private final HikariDataSource orderPool;
    private final HikariDataSource inventoryPool;

    /**
     * @param serverUrl   {@code jdbc:mysql://host:port/?user=...}; the database part is ignored
     * @param dropOnClose drop both databases on {@link #close()} (tests); the demo keeps them for a look afterwards
     */
    DemoDatabases(String serverUrl, String orderName, String inventoryName, boolean dropOnClose) {
        Matcher m = serverUrl(serverUrl);
        this.server = m.group(1);
        this.parameters = withDefaults(m.group(2) == null ? "" : m.group(2));
        this.orderName = orderName;
        this.inventoryName = inventoryName;
        this.dropOnClose = dropOnClose;
        execute("DROP DATABASE IF EXISTS " + orderName, "CREATE DATABASE " + orderName,
                "DROP DATABASE IF EXISTS " + inventoryName, "CREATE DATABASE " + inventoryName);
        this.orderPool = pool(orderName);
        this.inventoryPool = pool(inventoryName);
        apply(orderPool, "META-INF/tcc/schema/mysql/fence.sql", "META-INF/tcc/schema/mysql/global.sql",
                "META-INF/tcc/schema/mysql/quartz.sql", "db/orders.sql");
        apply(inventoryPool, "META-INF/tcc/schema/mysql/fence.sql", "db/inventory.sql");
    }

    public String orderUrl() {
        return url(orderName);
    }

    public String inventoryUrl() {
        return url(inventoryName);
    }

    /** The order database through another server of the same cluster (a Galera node): {@code jdbc:mysql://host:port/?...}. */
    public String orderUrl(String serverUrl) {
        return on(serverUrl, orderName);
    }

    public String inventoryUrl(String serverUrl) {
        return on(serverUrl, inventoryName);
    }

    private static String on(String serverUrl, String database) {
        Matcher m = serverUrl(serverUrl);
        return m.group(1) + "/" + database + "?" + withDefaults(m.group(2) == null ? "" : m.group(2));
    }

    private static Matcher serverUrl(String url) {
        Matcher m = SERVER_URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + url + "' is not a MySQL JDBC URL: give one such as"
                    + " jdbc:mysql://127.0.0.1:3306/?user=root (MariaDB and MySQL 8 both work)");
        }
        return m;
    }

    public JdbcTemplate orders() {
        return new JdbcTemplate(orderPool);
    }

    public JdbcTemplate inventory() {
        return new JdbcTemplate(inventoryPool);
    }

    public void seedStock(Map<String, Integer> initial) {
        initial.forEach((sku, available) -> inventory().update("INSERT INTO stock (sku, available) VALUES (?, ?)", sku, available));
    }

    private String url(String database) {
        return server + "/" + database + "?" + parameters;
    }

    private HikariDataSource pool(String database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url(database));
        config.setMaximumPoolSize(3);
        config.setPoolName("demo-runner-" + database);
        return new HikariDataSource(config);
    }

    private static void apply(HikariDataSource pool, String... scripts) {
        ResourceDatabasePopulator populator = new ResourceDatabasePopulator();
        for (String script : scripts) {
            populator.addScript(new ClassPathResource(script));
        }
        populator.execute(pool);
    }

    private void execute(String... statements) {
        try (Connection c = DriverManager.getConnection(server + "/?" + parameters); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the demo's databases on " + server + ": " + e.getMessage()
                    + "\n  Check that a MySQL or MariaDB server answers there and that the URL's user may create and drop"
                    + " databases.", e);
        }
    }

    /** Plain connections on a local server; MySQL 8's default authentication needs the key retrieval without TLS. */
    private static String withDefaults(String parameters) {
        StringBuilder all = new StringBuilder(parameters);
        for (String p : new String[] {"sslMode=DISABLED", "allowPublicKeyRetrieval=true"}) {
            if (!parameters.contains(p.substring(0, p.indexOf('=') + 1))) {
                all.append(all.isEmpty() ? "" : "&").append(p);
            }
        }
        return all.toString();
    }

    @Override
    public void close() {
        orderPool.close();
        inventoryPool.close();
        if (dropOnClose) {
            execute("DROP DATABASE IF EXISTS " + orderName, "DROP DATABASE IF EXISTS " + inventoryName);
        }
    }
}
