package io.tcc.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;

/**
 * A 3-node MariaDB Galera cluster for the multi-primary tests: the URLs of an existing cluster from
 * {@code TCC_TEST_GALERA_URLS} (comma-separated, one per node), else three {@code mariadbd} processes with Debian's
 * {@code galera-4} provider, started once per JVM on free loopback ports with their data under {@code target/},
 * and stopped and deleted by a shutdown hook. Node 1 is initialised by {@code mariadb-install-db} and bootstraps the
 * cluster; nodes 2 and 3 join one after the other and get their data by rsync SST. A node of a cluster started here can
 * be killed with SIGKILL and started again ({@link #kill}, {@link #rejoin}), as the scaled chaos run does.
 */
public final class GaleraCluster {

    /** The environment variable (or system property) naming an existing cluster's nodes. */
    public static final String URLS_VARIABLE = "TCC_TEST_GALERA_URLS";
    /** Debian's galera-4; {@code -Dtcc.galera.provider} names another (a missing one shows the not-run report). */
    static final Path PROVIDER = Path.of(System.getProperty("tcc.galera.provider", "/usr/lib/galera/libgalera_smm.so"));
    static final Path MARIADBD = Path.of("/usr/sbin/mariadbd");
    private static final int NODES = 3;
    /** What the framework requires of a Galera cluster (docs/scale-out.md); {@code -Dtcc.galera.sync-wait} to try others. */
    public static final int SYNC_WAIT = Integer.getInteger("tcc.galera.sync-wait", 7);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Logger log = LoggerFactory.getLogger(GaleraCluster.class);
    private static GaleraCluster cluster;

    private final List<DatabaseServer> nodes;
    private final String origin;
    /** The mariadbd processes this JVM started; empty for a cluster from {@link #URLS_VARIABLE}. */
    private final List<Node> started;
    private final String members;

    private GaleraCluster(List<String> urls, String origin, List<Node> started, String members) {
        this.nodes = urls.stream().map(url -> new DatabaseServer(DatabaseKind.MYSQL, origin, url)).toList();
        this.origin = origin;
        this.started = started;
        this.members = members;
    }

    /**
     * Why the Galera tests cannot run here, or empty when they can: a test calls this first and reports the
     * reason as not run (JUnit's assumptions, which print it), never passing silently.
     */
    public static Optional<String> notRunReason() {
        if (!urlsFromEnvironment().isEmpty()) {
            return Optional.empty();
        }
        List<String> missing = new ArrayList<>();
        for (Path file : List.of(PROVIDER, MARIADBD, Path.of("/usr/bin/mariadb-install-db"), Path.of("/usr/bin/rsync"))) {
            if (!Files.isExecutable(file) && !Files.isReadable(file)) {
                missing.add(file.toString());
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("not run: Galera is not installed (missing "
                + String.join(", ", missing) + "): apt-get install galera-4 mariadb-server rsync, or set "
                + URLS_VARIABLE + " to a 3-node cluster's JDBC URLs");
    }

    /** The cluster of this JVM, started on first use. */
    public static GaleraCluster get() {
        return get(List.of());
    }

    /**
     * The cluster of this JVM, started on first use with {@code serverOptions} added to every node's {@code mariadbd}
     * options (a later option wins: {@code --innodb-buffer-pool-size=1G}, say); they are ignored for a cluster that is
     * already running or comes from {@link #URLS_VARIABLE}.
     */
    public static synchronized GaleraCluster get(List<String> serverOptions) {
        if (cluster == null) {
            List<String> urls = urlsFromEnvironment();
            cluster = urls.isEmpty() ? start(serverOptions)
                    : new GaleraCluster(urls, "URLs from " + URLS_VARIABLE, List.of(), null);
            log.info("Galera tests use {}: {}", cluster.origin, cluster.nodes.stream().map(n -> n.urlFor("")).toList());
        }
        return cluster;
    }

    private static List<String> urlsFromEnvironment() {
        String urls = System.getenv(URLS_VARIABLE);
        if (urls == null || urls.isBlank()) {
            urls = System.getProperty(URLS_VARIABLE, "");
        }
        return urls.isBlank() ? List.of() : List.of(urls.trim().split("\\s*,\\s*"));
    }

    /** How many nodes the cluster has. */
    public int size() {
        return nodes.size();
    }

    public String origin() {
        return origin;
    }

    /** A fresh database, created through node 0 (DDL replicates to every node) and dropped on close. */
    public TestDatabase createDatabase(String label) {
        return TestDatabase.create(nodes.get(0), label);
    }

    /** A pool on one node's copy of a database; the caller closes it. */
    public HikariDataSource newDataSource(int node, TestDatabase database, String isolation, int poolSize) {
        return TestDatabase.pool(nodes.get(node).urlFor(database.name()), database.name() + "-node" + node,
                isolation, poolSize, true);
    }

    /** The JDBC URL of one node's copy of a database. */
    public String jdbcUrl(int node, TestDatabase database) {
        return nodes.get(node).urlFor(database.name());
    }

    /** One node's server, no database chosen: {@code jdbc:mysql://host:port/?user=...}. */
    public String serverUrl(int node) {
        return nodes.get(node).urlFor("");
    }

    /**
     * One node's server as the framework must be reached on Galera: {@link #serverUrl} with the causality wait
     * ({@code wsrep_sync_wait}, docs/scale-out.md) set on every connection.
     */
    public String clientUrl(int node) {
        return serverUrl(node) + "&sessionVariables=wsrep_sync_wait=" + SYNC_WAIT;
    }

    /** The pids of the nodes' {@code mariadbd} processes this JVM started (empty for a cluster from URLs). */
    public List<Long> pids() {
        return started.stream().map(n -> n.process.pid()).toList();
    }

    /** A status variable of one node ({@code wsrep_local_state_comment}, ...), or empty while it does not answer. */
    public Optional<String> status(int node, String variable) {
        return Node.status(serverUrl(node), variable);
    }

    /** SIGKILL to one node's mariadbd, as a crash: no clean leave, its grastate left unsaved. */
    public void kill(int node) throws InterruptedException {
        Process process = startedNode(node).process;
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Galera node " + (node + 1) + " survived SIGKILL for 30 s");
        }
    }

    /**
     * Starts a killed node again and waits until it is Synced: it first recovers its last committed position from
     * InnoDB ({@code --wsrep-recover}, what the packaged systemd unit does), so a donor can send it the missed writes
     * from its gcache (IST) instead of a whole copy (SST).
     *
     * @return how it caught up, read from its log: "IST" or "SST"
     */
    public String rejoin(int node) throws IOException {
        Node n = startedNode(node);
        String position = n.recoverPosition();
        long logLength = Files.exists(n.errorLog()) ? Files.size(n.errorLog()) : 0;
        n.start(members, false, position);
        n.awaitSynced();
        byte[] log = Files.readAllBytes(n.errorLog());
        String joined = new String(log, (int) logLength, log.length - (int) logLength, StandardCharsets.UTF_8);
        return joined.contains("IST received") || joined.contains("Receiving IST") ? "IST" : "SST";
    }

    private Node startedNode(int node) {
        if (started.isEmpty()) {
            throw new IllegalStateException("the Galera cluster " + origin + " was not started by this JVM: its nodes"
                    + " cannot be killed and started from here");
        }
        return started.get(node);
    }

    // --- starting the cluster on this machine ---

    private static GaleraCluster start(List<String> serverOptions) {
        notRunReason().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        long started = System.nanoTime();
        try {
            Path root = Files.createDirectories(Path.of("target").toAbsolutePath())
                    .resolve("galera-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36));
            List<Node> nodes = new ArrayList<>();
            for (int i = 1; i <= NODES; i++) {
                nodes.add(new Node(i, root.resolve("node" + i), EmbeddedPostgresAsNobody.freeLoopbackPort(),
                        EmbeddedPostgresAsNobody.freeLoopbackPort(), EmbeddedPostgresAsNobody.freeLoopbackPort(),
                        EmbeddedPostgresAsNobody.freeLoopbackPort(), serverOptions));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(nodes, root), "tcc-galera-stop"));
            String members = String.join(",", nodes.stream().map(n -> "127.0.0.1:" + n.gcommPort).toList());
            for (Node node : nodes) {
                node.prepare(node.number == 1);
                node.start(members, node.number == 1, null);
                node.awaitSynced(); // one joiner at a time: a donor serves one SST at once
            }
            List<String> urls = nodes.stream().map(Node::url).toList();
            GaleraCluster started3 = new GaleraCluster(urls, "a 3-node Galera cluster started by the tests in " + root,
                    List.copyOf(nodes), members);
            started3.awaitClusterSize();
            log.info("Galera cluster of {} nodes synced in {} ms", NODES,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return started3;
        } catch (IOException e) {
            throw new IllegalStateException("The Galera cluster for the tests did not start: " + e.getMessage(), e);
        }
    }

    private void awaitClusterSize() throws IOException {
        for (DatabaseServer node : nodes) {
            String size = Node.status(node.urlFor(""), "wsrep_cluster_size").orElse("?");
            if (!String.valueOf(NODES).equals(size)) {
                throw new IOException("node " + node.urlFor("") + " sees wsrep_cluster_size=" + size + ", not " + NODES);
            }
        }
    }

    private static void stop(List<Node> nodes, Path root) {
        for (Node node : nodes) {
            if (node.process != null) {
                node.process.destroy(); // SIGTERM: a clean shutdown, and it leaves the cluster
            }
        }
        for (Node node : nodes) {
            if (node.process != null) {
                try {
                    if (!node.process.waitFor(30, TimeUnit.SECONDS)) {
                        node.process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    node.process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
        EmbeddedPostgresAsNobody.delete(root);
    }

    /** One mariadbd: its client, group-communication, incremental-transfer and snapshot-transfer ports. */
    private static final class Node {
        final int number;
        final Path data;
        final int port;
        final int gcommPort;
        final int istPort;
        final int sstPort;
        final List<String> options;
        Process process;

        Node(int number, Path data, int port, int gcommPort, int istPort, int sstPort, List<String> options) {
            this.number = number;
            this.data = data;
            this.port = port;
            this.gcommPort = gcommPort;
            this.istPort = istPort;
            this.sstPort = sstPort;
            this.options = List.copyOf(options);
        }

        String url() {
            return "jdbc:mysql://127.0.0.1:" + port + "/?user=root&sslMode=DISABLED";
        }

        Path errorLog() {
            return data.getParent().resolve("node" + number + ".err");
        }

        void prepare(boolean bootstrap) throws IOException {
            Files.createDirectories(data);
            if (bootstrap) {
                run(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
                        "--skip-test-db", "--innodb-log-file-size=16M"));
            } else if (asRoot()) {
                // the joiner's rsync daemon runs as nobody when started by root: it must be able to write the data
                Files.setOwner(data, data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            }
        }

        /** @param position the node's last committed position ({@link #recoverPosition()}), or null */
        void start(String members, boolean bootstrap, String position) throws IOException {
            List<String> command = command(members);
            if (bootstrap) {
                command.add("--wsrep-new-cluster");
            }
            if (position != null) {
                command.add("--wsrep-start-position=" + position);
            }
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(data.getParent().resolve("node" + number + ".out").toFile()))
                    .start();
        }

        /** {@code mariadbd --wsrep-recover}: reads the last committed position from InnoDB, prints it and exits. */
        String recoverPosition() throws IOException {
            Path log = data.getParent().resolve("node" + number + "-recover.err");
            List<String> command = command(null);
            command.removeIf(option -> option.startsWith("--log-error="));
            command.addAll(List.of("--wsrep-recover", "--log-error=" + log));
            Files.deleteIfExists(log);
            Process recover = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                if (!recover.waitFor(2, TimeUnit.MINUTES)) {
                    recover.destroyForcibly();
                    throw new IOException("mariadbd --wsrep-recover of node " + number + " did not end within 2 min");
                }
            } catch (InterruptedException e) {
                recover.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted recovering the position of Galera node " + number);
            }
            return Files.readAllLines(log).stream().filter(line -> line.contains("WSREP: Recovered position: "))
                    .map(line -> line.substring(line.indexOf("Recovered position: ") + 20).trim()).reduce((a, b) -> b)
                    .orElseThrow(() -> new IOException("mariadbd --wsrep-recover of node " + number + " printed no"
                            + " position; its log " + log + " ends:\n" + tail(log)));
        }

        /** @param members the cluster's address list, or null for a run that joins no cluster */
        private List<String> command(String members) {
            List<String> command = new ArrayList<>(List.of(MARIADBD.toString(), "--no-defaults", "--datadir=" + data,
                    "--socket=" + data.getParent().resolve("node" + number + ".sock"),
                    "--pid-file=" + data.getParent().resolve("node" + number + ".pid"),
                    "--log-error=" + errorLog(), "--port=" + port, "--bind-address=127.0.0.1", "--skip-ssl",
                    "--innodb-log-file-size=16M", "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2",
                    "--max-connections=300",
                    // what Galera requires of every node
                    "--wsrep-on=ON", "--wsrep-provider=" + PROVIDER, "--wsrep-cluster-name=tcc-test",
                    "--wsrep-cluster-address=gcomm://" + (members == null ? "" : members), "--wsrep-node-name=node" + number,
                    "--wsrep-node-address=127.0.0.1",
                    "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:" + gcommPort
                            + ";ist.recv_addr=127.0.0.1:" + istPort + ";gcache.size=32M",
                    "--wsrep-sst-method=rsync", "--wsrep-sst-receive-address=127.0.0.1:" + sstPort,
                    "--binlog-format=ROW", "--innodb-autoinc-lock-mode=2", "--default-storage-engine=InnoDB",
                    "--wsrep-sync-wait=" + SYNC_WAIT));
            command.addAll(options);
            if (asRoot()) {
                command.add("--user=root");
            }
            return command;
        }

        void awaitSynced() throws IOException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("node " + number + " exited with " + process.exitValue() + "; its log "
                            + errorLog() + " ends:\n" + tail(errorLog()));
                }
                if (status(url(), "wsrep_local_state_comment").filter("Synced"::equals).isPresent()) {
                    return;
                }
                try {
                    Thread.sleep(200); // polling a starting server; nothing to be notified by
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted waiting for Galera node " + number);
                }
            }
            throw new IOException("node " + number + " did not reach Synced within " + START_TIMEOUT + "; its log "
                    + errorLog() + " ends:\n" + tail(errorLog()));
        }

        /** A status variable, or empty while the server does not answer. */
        static Optional<String> status(String url, String variable) {
            try (Connection c = DriverManager.getConnection(url + "&connectTimeout=2000");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE '" + variable + "'")) {
                return rs.next() ? Optional.of(rs.getString(2)) : Optional.empty();
            } catch (SQLException notYet) {
                return Optional.empty();
            }
        }

        private static boolean asRoot() {
            return "root".equals(System.getProperty("user.name"));
        }

        private void run(List<String> command) throws IOException {
            List<String> line = new ArrayList<>(command);
            if (asRoot()) {
                line.add("--user=root");
            }
            EmbeddedPostgresAsNobody.run(line, data.getParent());
        }

        private static String tail(Path file) {
            try {
                List<String> lines = Files.readAllLines(file);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(cannot read " + file + ": " + e.getMessage() + ")";
            }
        }
    }
}
