package io.tcc.demo;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.tcc.test.Await;

/**
 * One service as its own JVM: {@code java -jar} of its Spring Boot jar on a fixed port, output appended to a log file.
 * It can be killed as {@code kill -9} does ({@link Process#destroyForcibly()} sends SIGKILL on Linux and macOS) and
 * started again on the same port.
 */
public final class ServiceProcess implements AutoCloseable {

    /** The demo's JVM options: a small heap and a quick start (C1 only), which suits a scenario of restarts. */
    public static final List<String> DEMO_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String name;
    private final Path jar;
    private final int port;
    private final List<String> jvmOptions;
    private final List<String> arguments;
    private final Path log;
    private final HttpRequest probe;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    /** @param probe a request that answers 200 once the service is ready */
    ServiceProcess(String name, Path jar, int port, List<String> jvmOptions, List<String> arguments, Path log,
                   HttpRequest probe) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the " + name + " service's jar " + jar + " does not exist: build it first"
                    + " (mvn -q -DskipTests package at the repository root)");
        }
        this.name = name;
        this.jar = jar;
        this.port = port;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.arguments = List.copyOf(arguments);
        this.log = log;
        this.probe = probe;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        starts++;
        Files.createDirectories(log.getParent());
        Files.writeString(log, "==== " + name + " start " + starts + " by the demo runner, " + Instant.now() + " ====\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port, "--server.address=127.0.0.1"));
        command.addAll(arguments);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Waits until the probe answers 200; fails at once, with the end of the log, if the process exits. */
    public void awaitReady(Duration timeout) {
        try {
            Await.until(name + " ready", timeout, () -> !process.isAlive() || answers());
        } catch (AssertionError timedOut) {
            throw new IllegalStateException(name + " did not become ready within " + timeout.toSeconds() + " s; see its log "
                    + log + ":\n" + tail());
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with status " + process.exitValue() + " while starting;"
                    + " the end of its log " + log + ":\n" + tail());
        }
    }

    private boolean answers() throws InterruptedException {
        try {
            return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false; // not listening yet
        }
    }

    /** SIGKILL: no shutdown hook, no graceful stop, in-flight requests and transactions cut where they stand. */
    public synchronized void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
            }
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
