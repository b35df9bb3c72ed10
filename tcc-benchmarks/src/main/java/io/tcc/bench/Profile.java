package io.tcc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the services spend their CPU and what they allocate, from a Java Flight Recording of each service JVM taken
 * under load ({@code jcmd <pid> JFR.start settings=profile method-profiling=max}, sampling every millisecond, then {@code JFR.stop}), read with {@link RecordingFile}:
 * execution samples ({@code jdk.ExecutionSample}) by top frame and by the top frame of this project's own code
 * ({@code io.tcc}), allocation samples ({@code jdk.ObjectAllocationSample}, by their weight) by top frame and by class.
 */
final class Profile {

    /** The frames counted as "ours": the framework and the demo services. */
    private static final String OURS = "io.tcc.";
    private static final int ROWS = 10;

    /** One JVM's recording, aggregated; each map from a name to its share of all samples (or bytes). */
    record Service(String name, long cpuSamples, Map<String, Double> cpuByLibrary, Map<String, Double> cpuByTopFrame,
                   Map<String, Double> cpuByOurFrame, long allocatedBytes, Map<String, Double> allocationByTopFrame,
                   Map<String, Double> allocationByClass) {
    }

    /** Package prefixes of the libraries a service runs on, most specific first; the rest by their first two names. */
    private static final List<String> LIBRARIES = List.of("io.tcc.", "org.springframework.", "org.apache.", "com.mysql.",
            "com.zaxxer.hikari.", "tools.jackson.", "ch.qos.logback.", "org.slf4j.", "jdk.internal.net.http.",
            "java.util.concurrent.", "java.", "jdk.", "sun.");

    private Profile() {
    }

    static void start(long pid, String name) throws IOException, InterruptedException {
        Heap.run(List.of(Heap.tool("jcmd").toString(), Long.toString(pid), "JFR.start", "name=" + name, "settings=profile",
                "method-profiling=max"));
    }

    /** Starts and discards a recording while {@code load} runs: the recorder's own start-up then weighs on no profile. */
    static void warm(List<Long> pids, Runnable load) throws IOException, InterruptedException {
        for (long pid : pids) {
            start(pid, "bench-warm");
        }
        load.run();
        for (long pid : pids) {
            Heap.run(List.of(Heap.tool("jcmd").toString(), Long.toString(pid), "JFR.stop", "name=bench-warm"));
        }
    }

    static Service stop(long pid, String name, String service, Path file) throws IOException, InterruptedException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Heap.run(List.of(Heap.tool("jcmd").toString(), Long.toString(pid), "JFR.stop", "name=" + name,
                "filename=" + file.toAbsolutePath()));
        return read(service, file);
    }

    static Service read(String service, Path file) throws IOException {
        Map<String, Long> byLibrary = new HashMap<>();
        Map<String, Long> byTop = new HashMap<>();
        Map<Long, long[]> allocatedByThread = new HashMap<>();
        Map<String, Long> byOurs = new HashMap<>();
        Map<String, Long> allocationByTop = new HashMap<>();
        Map<String, Long> allocationByClass = new HashMap<>();
        long samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            RecordedStackTrace stack = event.getStackTrace();
            if (type.equals("jdk.ExecutionSample") && stack != null && !stack.getFrames().isEmpty()) {
                samples++;
                byLibrary.merge(library(stack.getFrames().get(0)), 1L, Long::sum);
                byTop.merge(frame(stack.getFrames().get(0)), 1L, Long::sum);
                byOurs.merge(stack.getFrames().stream().filter(f -> f.isJavaFrame()
                                && f.getMethod().getType().getName().startsWith(OURS)).findFirst().map(Profile::frame)
                        .orElse("(no io.tcc frame on the stack)"), 1L, Long::sum);
            } else if (type.equals("jdk.ThreadAllocationStatistics") && event.getThread("thread") != null) {
                // cumulative per thread: the first and the last reading of each thread bound what it allocated meanwhile
                long allocated = event.getLong("allocated");
                allocatedByThread.merge(event.getThread("thread").getJavaThreadId(), new long[] {allocated, allocated},
                        (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                long weight = event.getLong("weight");
                allocationByTop.merge(stack == null || stack.getFrames().isEmpty() ? "(no stack)"
                        : frame(stack.getFrames().get(0)), weight, Long::sum);
                allocationByClass.merge(event.getClass("objectClass").getName(), weight, Long::sum);
            }
        }
        long sampled = allocationByClass.values().stream().mapToLong(Long::longValue).sum();
        long bytes = allocatedByThread.values().stream().mapToLong(r -> r[1] - r[0]).sum();
        return new Service(service, samples, shares(byLibrary, samples), shares(byTop, samples), shares(byOurs, samples),
                bytes, shares(allocationByTop, sampled), shares(allocationByClass, sampled));
    }

    /** The service's tables as markdown, each the top rows by share. */
    static String markdown(Service s, double transactions) {
        return String.format("**%s service**: %,d execution samples; %.1f MiB allocated by its threads meanwhile"
                        + " (`jdk.ThreadAllocationStatistics`; the background's included), %s per transaction; the"
                        + " allocation tables share out `jdk.ObjectAllocationSample` weights.%n%n", s.name(), s.cpuSamples(),
                s.allocatedBytes() / (double) (1 << 20),
                transactions > 0 ? String.format("%,.0f bytes", s.allocatedBytes() / transactions) : "unknown")
                + table("CPU, by the library of the top frame", "% of samples", s.cpuByLibrary())
                + table("CPU, by top frame", "% of samples", s.cpuByTopFrame())
                + table("CPU, by the top frame of io.tcc code (framework and demo)", "% of samples", s.cpuByOurFrame())
                + table("allocation, by top frame", "% of bytes", s.allocationByTopFrame())
                + table("allocation, by class", "% of bytes", s.allocationByClass());
    }

    /** The first rows of one table, for a one-line summary: "name 12.3 %, ...". */
    static String top(Map<String, Double> shares, int rows) {
        return String.join(", ", sorted(shares).stream().limit(rows)
                .map(e -> String.format("`%s` %.1f %%", e.getKey(), e.getValue() * 100)).toList());
    }

    private static String table(String title, String unit, Map<String, Double> shares) {
        StringBuilder t = new StringBuilder(String.format("| %s | %s |%n|---|---|%n", title, unit));
        for (Map.Entry<String, Double> e : sorted(shares).stream().limit(ROWS).toList()) {
            t.append(String.format("| `%s` | %.1f |%n", e.getKey(), e.getValue() * 100));
        }
        return t.append('\n').toString();
    }

    private static List<Map.Entry<String, Double>> sorted(Map<String, Double> shares) {
        return shares.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .toList();
    }

    private static Map<String, Double> shares(Map<String, Long> counts, long total) {
        Map<String, Double> shares = new HashMap<>();
        counts.forEach((name, count) -> shares.put(name, total == 0 ? 0 : count / (double) total));
        return shares;
    }

    private static String library(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return LIBRARIES.stream().filter(type::startsWith).findFirst().map(p -> p + "*").orElseGet(() -> {
            String[] names = type.split("\\.");
            return names.length > 2 ? names[0] + "." + names[1] + ".*" : type;
        });
    }

    /**
     * Regenerates the tables of a profile from recordings kept from an earlier run: the folder holding
     * {@code order.jfr} and {@code inventory.jfr}, and the transactions placed while they were recorded.
     */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        double transactions = Double.parseDouble(args[1]);
        System.out.print(markdown(read("order", folder.resolve("order.jfr")), transactions)
                + markdown(read("inventory", folder.resolve("inventory.jfr")), transactions));
    }

    private static String frame(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName()
                + (frame.isJavaFrame() ? "" : " (native)");
    }
}
