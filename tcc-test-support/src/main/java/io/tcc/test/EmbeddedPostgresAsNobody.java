package io.tcc.test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;

/**
 * zonky's embedded PostgreSQL binaries, run as the OS user {@code nobody} for a JVM that runs as root: PostgreSQL
 * refuses to run as root, and zonky's {@code EmbeddedPostgres} runs initdb and pg_ctl as the current user.
 * Each call starts a fresh server on a free loopback port with trust authentication, stopped and deleted when the
 * JVM exits.
 */
final class EmbeddedPostgresAsNobody {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresAsNobody.class);
    // util-linux's setpriv only switches ids: no PAM, no login shell, nothing else changes
    private static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
    // zonky's server settings, so that both embedded paths behave alike; -F turns fsync off
    private static final String SERVER_OPTIONS = "-F -c timezone=UTC -c synchronous_commit=off -c max_connections=300"
            // TCP only: the tests connect over TCP, and no socket file is left behind in /tmp
            + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=";

    private EmbeddedPostgresAsNobody() {
    }

    /** Starts a server and returns the JDBC URL of its {@code postgres} database for the superuser {@code postgres}. */
    static String start() throws IOException {
        Path binaries = binaries();
        Path run = Files.createTempDirectory("tcc-postgres-");
        Files.setOwner(run, run.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Path data = run.resolve("data");
        Path serverLog = run.resolve("postgres.log");
        String pgCtl = binaries.resolve("bin/pg_ctl").toString();
        int port = freeLoopbackPort();

        asNobody(run, binaries.resolve("bin/initdb").toString(), "--pgdata=" + data, "--auth=trust",
                "--username=postgres", "--encoding=UTF8", "--no-sync");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(pgCtl, run, data), "tcc-postgres-stop"));
        try {
            asNobody(run, pgCtl, "start", "--wait", "--pgdata=" + data, "--log=" + serverLog,
                    "--options=-p " + port + " " + SERVER_OPTIONS);
        } catch (IOException e) {
            String serverSaid = Files.exists(serverLog) ? Files.readString(serverLog) : "(no server log)";
            throw new IOException(e.getMessage() + "; server log " + serverLog + ":\n" + serverSaid, e);
        }
        log.info("Embedded PostgreSQL runs as OS user nobody on 127.0.0.1:{}, data in {}", port, data);
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    private static void stop(String pgCtl, Path run, Path data) {
        try {
            asNobody(run, pgCtl, "stop", "--wait", "--mode=fast", "--pgdata=" + data);
        } catch (IOException e) {
            log.warn("Could not stop the embedded PostgreSQL in {}: {}", data, e.getMessage());
        }
        delete(run);
    }

    static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", directory, e.getMessage());
        }
    }

    private static void asNobody(Path directory, String... command) throws IOException {
        List<String> line = new ArrayList<>(AS_NOBODY);
        line.addAll(List.of(command));
        run(line, directory);
    }

    /** Runs a command to its end; fails with its output when it exits non-zero. */
    static void run(List<String> line, Path directory) throws IOException {
        Process process = new ProcessBuilder(line).directory(directory.toFile()).redirectErrorStream(true).start();
        // pg_ctl hands the server's output to its --log file, so this stream ends when the command does
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", line) + " exited with " + process.exitValue() + ":\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted waiting for " + String.join(" ", line));
        }
    }

    static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * The binaries from zonky's jar, unpacked once per archive into the temp directory and readable by everyone.
     * Concurrent JVMs each unpack into a staging directory and rename it into place; the first rename wins.
     */
    private static Path binaries() throws IOException {
        byte[] archive;
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", System.getProperty("os.arch"))) {
            archive = in.readAllBytes();
        }
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        Path target = temp.resolve("tcc-postgres-bin-" + sha256(archive).substring(0, 16));
        if (Files.isDirectory(target)) {
            return target;
        }
        Path staging = Files.createTempDirectory(temp, "tcc-postgres-bin-staging-");
        unpack(archive, staging);
        Files.setPosixFilePermissions(staging, permissions(0755));
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(target)) {
                throw e;
            }
            delete(staging); // another JVM's rename came first
        }
        return target;
    }

    private static void unpack(byte[] archive, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZCompressorInputStream(new ByteArrayInputStream(archive)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw new IOException("PostgreSQL archive entry " + entry.getName() + " points outside " + target);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else {
                    Files.createDirectories(path.getParent());
                    if (entry.isSymbolicLink()) {
                        Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                        continue;
                    }
                    if (!entry.isFile()) {
                        throw new IOException("PostgreSQL archive entry " + entry.getName() + " is neither a file,"
                                + " a directory nor a symbolic link");
                    }
                    Files.copy(tar, path);
                }
                Files.setPosixFilePermissions(path, permissions(entry.getMode()));
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) { // declared owner rwx, group rwx, others rwx
            if ((mode & (0400 >> permission.ordinal())) != 0) {
                permissions.add(permission);
            }
        }
        return permissions;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }
}
