package io.tcc.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What the figures were measured on, and how busy the machine was with other work meanwhile (Linux /proc). */
final class Machine {

    private Machine() {
    }

    static String describe() {
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return String.format("%d cores (%s), %.1f GiB memory, %s %s, %s %s", Runtime.getRuntime().availableProcessors(),
                cpuModel(), memory / (double) (1L << 30), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"));
    }

    private static String cpuModel() {
        return read("/proc/cpuinfo").flatMap(info -> info.lines().filter(l -> l.startsWith("model name")).findFirst())
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("CPU model unknown");
    }

    /** The 1, 5 and 15 minute load averages, as uptime prints them. */
    static String loadAverages() {
        return read("/proc/loadavg").map(l -> String.join(" ", Arrays.copyOf(l.trim().split("\\s+"), 3))).orElse("unknown");
    }

    /** CPU time the whole machine has spent busy (all cores, all processes), in nanoseconds; -1 where unknown. */
    static long busyNanos() {
        return read("/proc/stat").map(stat -> {
            String[] f = stat.lines().findFirst().orElseThrow().trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle and iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * (1_000_000_000L / 100); // USER_HZ is 100 on Linux
        }).orElse(-1L);
    }

    /** CPU time spent so far by the given processes, in nanoseconds (a process that is gone counts nothing). */
    static long cpuNanos(List<Long> pids) {
        return pids.stream().mapToLong(pid -> ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration())
                .map(d -> d.toNanos()).orElse(0L)).sum();
    }

    /**
     * CPU time spent so far by the JIT compiler threads (C1, C2) of the given JVMs, in nanoseconds. A compiler thread
     * that ended since takes its time with it, so differences of this can only fall short.
     */
    static long compilerNanos(List<Long> pids) {
        long ticks = 0;
        for (long pid : pids) {
            File[] tasks = new File("/proc/" + pid + "/task").listFiles();
            for (File task : tasks == null ? new File[0] : tasks) {
                String stat = read(task.getPath() + "/stat").orElse("");
                int close = stat.lastIndexOf(')');
                if (close > 0 && stat.substring(stat.indexOf('(') + 1, close).matches("C[12] CompilerThre.*")) {
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        }
        return ticks * (1_000_000_000L / 100);
    }

    /** The processes this JVM started, directly or not, that run the given command ("mariadbd", say). */
    static List<Long> descendants(String command) {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith(command))
                .map(ProcessHandle::pid).toList();
    }

    /** This JVM and every process it started that is still running (the services, an embedded database). */
    static List<Long> ourProcesses() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(ProcessHandle.current()),
                ProcessHandle.current().descendants()).map(ProcessHandle::pid).toList();
    }

    private static Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(Path.of(file)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
