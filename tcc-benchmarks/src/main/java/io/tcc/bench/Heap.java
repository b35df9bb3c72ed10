package io.tcc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Another JVM's heap in use right after a full collection, through the JDK's own tools (jcmd, jstat). */
final class Heap {

    private Heap() {
    }

    /** True when this JDK has jcmd and jstat (a JRE has not). */
    static boolean available() {
        return Files.isExecutable(tool("jcmd")) && Files.isExecutable(tool("jstat"));
    }

    /**
     * Runs a full GC in the process twice ({@code jcmd <pid> GC.run}: objects with a finalizer survive the first one),
     * then reads what is left ({@code jstat -gc}), in bytes.
     */
    static long usedAfterFullGc(long pid) throws IOException, InterruptedException {
        run(List.of(tool("jcmd").toString(), Long.toString(pid), "GC.run"));
        run(List.of(tool("jcmd").toString(), Long.toString(pid), "GC.run"));
        String[] lines = run(List.of(tool("jstat").toString(), "-gc", Long.toString(pid))).trim().split("\\R");
        String[] names = lines[0].trim().split("\\s+");
        String[] values = lines[lines.length - 1].trim().split("\\s+");
        double kib = 0;
        for (int i = 0; i < names.length; i++) {
            if (List.of("S0U", "S1U", "EU", "OU").contains(names[i])) {
                kib += Double.parseDouble(values[i]);
            }
        }
        return (long) (kib * 1024);
    }

    static Path tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name);
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } finally {
            process.destroyForcibly();
        }
    }
}
