package io.tcc.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the protocol's Promela model ({@code src/test/promela/tcc.pml}, explained in docs/model.md) with spin: the
 * current rules verify with no error, and the old rules behind findings 1 and 3 each produce their counterexample.
 * Needs Debian's {@code spin} and {@code gcc}. In CI ({@code CI=true}) it fails without them; elsewhere it is
 * reported skipped, loudly and with the install command, so the README's test command still passes on a machine with
 * only a JDK and Maven.
 */
class ProtocolModelIT {

    private static final Path WORK = Path.of("target", "promela");
    private static final long MAX_SECONDS = 600;

    @BeforeAll
    static void spinAndGccAreInstalled() {
        for (String tool : List.of("spin", "gcc")) {
            if (!onPath(tool)) {
                String missing = tool + " is not installed, so the protocol model cannot be checked. Install it with:"
                        + " apt-get update && apt-get install -y spin gcc (.ci/run does this)";
                if ("true".equals(System.getenv("CI"))) {
                    fail(missing);
                }
                System.err.println("ProtocolModelIT NOT RUN: " + missing);
                Assumptions.abort(missing);
            }
        }
    }

    @Test
    void currentRulesWithSharedCommitsVerifyWithoutError() throws Exception {
        Run run = verify("shared");
        assertEquals(0, run.errors(), "the current rules violate a property:\n" + run.trail());
    }

    @Test
    void currentRulesWithSeparateCommitsVerifyWithoutError() throws Exception {
        Run run = verify("separate", "-DSEPARATE_COMMITS");
        assertEquals(0, run.errors(), "the current rules violate a property:\n" + run.trail());
    }

    @Test
    void oldDecideRuleLetsTheInitiatorCancelATransactionWhoseTriesAllSucceeded() throws Exception {
        Run run = verify("old-decide", "-DOLD_DECIDE_RULE");
        assertTrue(run.errors() > 0, "the model no longer finds the initiator's own cancel under the old decide rule");
        assertTrue(run.trail().contains("MODEL: the initiator decides G_CANCELLING"), "unexpected counterexample:\n" + run.trail());
    }

    @Test
    void oldDecideRuleCancelsAfterTheSharedCommitRolledBackThoughEverythingWasOnTime() throws Exception {
        Run run = verify("finding-1", "-DOLD_DECIDE_RULE", "-DON_TIME_DECISION");
        assertTrue(run.errors() > 0, "the model no longer finds finding 1 under the old decide rule");
        assertTrue(run.trail().contains("the shared commit of the decision G_CONFIRMING and the local phase two rolled back")
                && run.trail().contains("MODEL: the initiator decides G_CANCELLING"), "not finding 1's counterexample:\n" + run.trail());
    }

    @Test
    void oldCleanupRuleLeavesAConfirmedBranchStuckAfterItsRowWasDeleted() throws Exception {
        Run run = verify("finding-3", "-DOLD_CLEANUP_RULE");
        assertTrue(run.errors() > 0, "the model no longer finds finding 3 under the old cleanup rule");
        assertTrue(run.trail().contains("cleanup deletes the row of branch")
                && run.trail().contains("found no row: protocol violation"), "not finding 3's counterexample:\n" + run.trail());
    }

    /** What one verification found, and the replayed counterexample when it found one. */
    record Run(String variant, int errors, long states, int depth, double memoryMb, double seconds, String trail) {
    }

    private static final Pattern ERRORS = Pattern.compile("errors: (\\d+)");
    private static final Pattern STATES = Pattern.compile("(\\d+) states, stored");
    private static final Pattern DEPTH = Pattern.compile("depth reached (\\d+)");
    private static final Pattern MEMORY = Pattern.compile("([\\d.]+)\\s+total actual memory usage");
    private static final Pattern SECONDS = Pattern.compile("elapsed time ([\\d.e+]+) seconds");

    /** spin -a, gcc, pan in target/promela/{variant}; on an error, replays its trail with spin -t. */
    private static Run verify(String variant, String... defines) throws Exception {
        Path dir = WORK.resolve(variant);
        Files.createDirectories(dir);
        Files.copy(ModelStatesMatchEnumsTest.MODEL, dir.resolve("tcc.pml"), StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(dir.resolve("tcc.pml.trail"));
        run(dir, concat(List.of("spin", "-a"), defines, "tcc.pml"));
        run(dir, List.of("gcc", "-O2", "-DSAFETY", "-DCOLLAPSE", "-DMEMLIM=4096", "-o", "pan", "pan.c"));
        String pan = run(dir, List.of("./pan", "-m100000", "-w24"));
        int errors = Integer.parseInt(find(ERRORS, pan, variant));
        String trail = errors == 0 ? "" : run(dir, concat(List.of("spin", "-t"), defines, "tcc.pml"));
        Run result = new Run(variant, errors, Long.parseLong(find(STATES, pan, variant)),
                Integer.parseInt(find(DEPTH, pan, variant)), Double.parseDouble(find(MEMORY, pan, variant)),
                Double.parseDouble(find(SECONDS, pan, variant)), trail);
        System.out.printf("model %s: %d errors, %d states, depth %d, %.0f MB, %.1f s%n", variant, result.errors(),
                result.states(), result.depth(), result.memoryMb(), result.seconds());
        return result;
    }

    private static List<String> concat(List<String> head, String[] defines, String last) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(defines));
        all.add(last);
        return all;
    }

    private static String find(Pattern pattern, String output, String variant) {
        Matcher m = pattern.matcher(output);
        if (!m.find()) {
            throw new AssertionError("pan's output for " + variant + " has no '" + pattern + "':\n" + output);
        }
        return m.group(1);
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path log = dir.resolve(command.get(0).replace("./", "") + ".out");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(MAX_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + MAX_SECONDS + " s (in " + dir + ")");
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        // pan exits non-zero when it found an error; spin and gcc must succeed
        if (process.exitValue() != 0 && !command.get(0).equals("./pan")) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + text);
        }
        return text;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry, tool))) {
                return true;
            }
        }
        return false;
    }
}
