package io.tcc.bench;

import static io.tcc.bench.CommitTables.per;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docs/benchmarks.md: the hand-written template ({@code benchmarks.md} beside this class) with every {@code {{name}}}
 * replaced by what this run measured. Benchmark 3's tables come from {@link CommitTables}.
 */
final class Report {

    static final double FENCE_TARGET = 0.9;
    static final double END_TO_END_TARGET = 0.5;
    static final int END_TO_END_TARGET_CLIENTS = 8;
    static final double COMMITS_TARGET = 5;
    static final double END_TO_END_TARGET_32 = 0.4;
    static final double ASYNC_TARGET = 0.75;
    static final double CPU_TARGET = 2.0;
    static final double COMMITS_LOADED_TARGET = 3.0;
    static final int RECOVERY_TRANSACTIONS = 10_000;
    static final double RECOVERY_TARGET_SECONDS = 10;
    /** What the explanation in the template describes, commit by commit: order database, inventory database. */
    static final long[] EXPLAINED_COMMITS = {3, 2};

    private final Map<String, String> values = new LinkedHashMap<>();
    /** What the paragraph on limits needs, kept as measured. */
    private List<Interleaved.Outcome> fence = List.of();
    private double[] fenceStatements;
    private Interleaved.Outcome endToEndAtTarget;
    private boolean databaseCpu;
    private double[] orderStatements;
    private Memory.Result memory;
    private double othersShare = Double.NaN;
    /** The summary at the top of the page: one row per target of issue 14, in the order they are measured. */
    private final Map<String, String> targets = new LinkedHashMap<>();

    void put(String name, String value) {
        values.put(name, value);
    }

    String get(String name) {
        return values.get(name);
    }

    void fence(List<Interleaved.Outcome> outcomes, boolean databaseCpu) {
        StringBuilder t = new StringBuilder("| threads | plain: try, then confirm, a local transaction each | through the fence"
                + " | ratio | target ≥ " + FENCE_TARGET + " | p50 latency, plain / fenced | CPU per operation, plain / fenced:"
                + " this JVM; database |\n|---|---|---|---|---|---|---|\n");
        for (Interleaved.Outcome o : outcomes) {
            t.append(String.format("| %d | %,.0f ops/s | %,.0f ops/s | **%.2f** | %s | %.2f / %.2f ms | %.2f / %.2f ms; %s |%n",
                    o.threads(), o.baseline().medianPerSecond(), o.subject().medianPerSecond(), o.ratio(),
                    verdict(o.ratio() >= FENCE_TARGET), o.baseline().pooled().millisAt(50), o.subject().pooled().millisAt(50),
                    o.baseline().cpuMillisPerOperation(0), o.subject().cpuMillisPerOperation(0),
                    databaseCpu ? String.format("%.2f / %.2f ms", o.baseline().cpuMillisPerOperation(1),
                            o.subject().cpuMillisPerOperation(1)) : "not measured (not our server)"));
        }
        for (Interleaved.Outcome o : outcomes) {
            target("fence", o.threads(), String.format("Fence: try + confirm through the fence against the same business"
                            + " SQL, %d thread%s", o.threads(), o.threads() == 1 ? "" : "s"), "≥ " + FENCE_TARGET,
                    String.format("%,.0f / %,.0f ops/s = **%.2f**", o.subject().medianPerSecond(),
                            o.baseline().medianPerSecond(), o.ratio()), o.ratio() >= FENCE_TARGET);
        }
        this.fence = outcomes;
        this.databaseCpu = databaseCpu;
        put("fence-table", t.toString() + failures(outcomes));
        put("fence-rounds", rounds(outcomes));
    }

    /** Statements and commits per operation, counted at the server over operations run one at a time. */
    void fenceStatements(int operations, DatabaseCounters.Snapshot plain, DatabaseCounters.Snapshot fenced) {
        fenceStatements = new double[] {per(plain, "Questions", operations), per(fenced, "Questions", operations),
                per(plain, "Com_commit", operations), per(fenced, "Com_commit", operations)};
        put("fence-statements", String.format("Counted at the server over %d operations of each run one at a time: %.1f"
                        + " statements (%.1f commits) per plain operation, %.1f (%.1f commits) through the fence.", operations,
                fenceStatements[0], fenceStatements[2], fenceStatements[1], fenceStatements[3]));
    }

    void endToEnd(List<Interleaved.Outcome> outcomes, boolean databaseCpu) {
        StringBuilder t = new StringBuilder("| clients | baseline | TCC | ratio | p50 latency, baseline / TCC"
                + " | p99 latency, baseline / TCC | CPU per transaction, both services, JIT compiler aside: baseline / TCC"
                + " | their JIT compiler meanwhile, per transaction: baseline / TCC"
                + " | database CPU per transaction: baseline / TCC |\n|---|---|---|---|---|---|---|---|---|\n");
        String target = "not measured: the run had no " + END_TO_END_TARGET_CLIENTS + " clients";
        for (Interleaved.Outcome o : outcomes) {
            Load.Result b = o.baseline().pooled();
            Load.Result s = o.subject().pooled();
            t.append(String.format("| %d | %,.0f tx/s | %,.0f tx/s | **%.2f** | %.1f / %.1f ms | %.1f / %.1f ms"
                            + " | %.2f / %.2f ms | %.2f / %.2f ms | %s |%n", o.threads(), o.baseline().medianPerSecond(),
                    o.subject().medianPerSecond(), o.ratio(), b.millisAt(50), s.millisAt(50), b.millisAt(99), s.millisAt(99),
                    withoutCompiler(o.baseline()), withoutCompiler(o.subject()),
                    o.baseline().cpuMillisPerOperation(2), o.subject().cpuMillisPerOperation(2),
                    databaseCpu ? String.format("%.2f / %.2f ms", o.baseline().cpuMillisPerOperation(1),
                            o.subject().cpuMillisPerOperation(1)) : "not measured (not our server)"));
            if (o.threads() == 32) {
                target("e2e", 32, "End to end, synchronous phase two, 32 clients: TCC / no-TCC baseline", "≥ "
                        + END_TO_END_TARGET_32, String.format("%,.0f / %,.0f tx/s = **%.2f**", o.subject().medianPerSecond(),
                        o.baseline().medianPerSecond(), o.ratio()), o.ratio() >= END_TO_END_TARGET_32);
            }
            if (o.threads() == END_TO_END_TARGET_CLIENTS) {
                endToEndAtTarget = o;
                target("e2e", 8, "End to end, synchronous phase two, 8 clients: TCC / no-TCC baseline", "≥ "
                        + END_TO_END_TARGET, String.format("%,.0f / %,.0f tx/s = **%.2f**", o.subject().medianPerSecond(),
                        o.baseline().medianPerSecond(), o.ratio()), o.ratio() >= END_TO_END_TARGET);
                double tccCpu = o.subject().cpuMillisPerOperation(0) + (databaseCpu ? o.subject().cpuMillisPerOperation(1) : 0);
                double baseCpu = o.baseline().cpuMillisPerOperation(0) + (databaseCpu ? o.baseline().cpuMillisPerOperation(1) : 0);
                target("e2e-cpu", 8, "CPU per transaction, " + (databaseCpu ? "services + database" : "services (the"
                                + " database's not measured on a server of others)") + ", 8 clients: TCC / baseline",
                        "≤ " + CPU_TARGET + "×", String.format("%.2f / %.2f ms = **%.2f×**", tccCpu, baseCpu, tccCpu / baseCpu),
                        tccCpu / baseCpu <= CPU_TARGET);
                target = String.format("at least %.1f of the baseline at %d clients; measured %.2f: **%s**",
                        END_TO_END_TARGET, o.threads(), o.ratio(), verdict(o.ratio() >= END_TO_END_TARGET));
                put("ours-anchor", String.format("%,.0f global tx/s at %d clients, %.2f of the baseline; %.2f ms of CPU"
                                + " per transaction in the two services against %.2f ms (JIT compiler aside)",
                        o.subject().medianPerSecond(), o.threads(), o.ratio(), withoutCompiler(o.subject()),
                        withoutCompiler(o.baseline())));
            }
        }
        values.putIfAbsent("ours-anchor", "not measured at " + END_TO_END_TARGET_CLIENTS + " clients in this run");
        put("e2e-table", t.toString() + failures(outcomes));
        put("e2e-target", target);
        put("e2e-rounds", rounds(outcomes));
    }

    /** How the end-to-end warm-up ended, window by window. */
    void warmup(Warmup.Result w) {
        put("warmup", "The warm-up ran windows of baseline and TCC orders at 32 clients (half a window each) until the"
                + " services' " + settled(w, "the two services' CPU"));
    }

    /** How the fence's warm-up, in this JVM, ended. */
    void fenceWarmup(Warmup.Result w) {
        put("fence-warmup", "The warm-up ran windows of both sides at 8 threads until this JVM's " + settled(w,
                "this JVM's CPU"));
    }

    private static String settled(Warmup.Result w, String of) {
        return String.format("JIT compiler threads (C1 and C2, read from `/proc/<pid>/task/*/stat`) took less than %.0f %% of"
                        + " %s in %d windows in a row, capped at %d s: %s after %.0f s (%d windows; the compilers' share"
                        + " window by window: %s).", w.threshold() * 100, of, Warmup.SETTLED, w.cap().toSeconds(),
                w.settled() ? "settled" : "**not settled at the cap**", w.elapsed().toMillis() / 1000.0, w.windows().size(),
                String.join(", ", w.windows().stream().map(x -> String.format("%.1f %%", x.compilerShare() * 100)).toList()));
    }

    /** Asynchronous phase two against the baseline at 8 clients, or why it was not measured. */
    void asynchronous(Interleaved.Outcome o, String absent) {
        if (o == null) {
            target("e2e-async", 8, "End to end, asynchronous phase two (`POST /orders?phaseTwo=async`), 8 clients: TCC /"
                    + " baseline", "≥ " + ASYNC_TARGET, absent, null);
            put("e2e-async", "Asynchronous phase two: " + absent + ".");
            return;
        }
        Load.Result b = o.baseline().pooled();
        Load.Result s = o.subject().pooled();
        target("e2e-async", 8, "End to end, asynchronous phase two (`POST /orders?phaseTwo=async`), 8 clients: TCC /"
                + " baseline", "≥ " + ASYNC_TARGET, String.format("%,.0f / %,.0f tx/s = **%.2f**",
                o.subject().medianPerSecond(), o.baseline().medianPerSecond(), o.ratio()), o.ratio() >= ASYNC_TARGET);
        put("e2e-async", String.format("Asynchronous phase two (`POST /orders?phaseTwo=async`: the answer, 201 with"
                        + " `\"phaseTwo\":\"PENDING\"`, once the decision is durable; the confirms follow), against the baseline in"
                        + " rounds of its own at %d clients: %,.0f tx/s against %,.0f, **%.2f**; p50 latency %.1f / %.1f ms, p99"
                        + " %.1f / %.1f ms; CPU per transaction in the services %.2f / %.2f ms, in the database %s.%s",
                o.threads(), o.subject().medianPerSecond(), o.baseline().medianPerSecond(), o.ratio(), b.millisAt(50),
                s.millisAt(50), b.millisAt(99), s.millisAt(99), o.baseline().cpuMillisPerOperation(0),
                o.subject().cpuMillisPerOperation(0), databaseCpu || o.baseline().cpuMillisPerOperation(1) > 0
                        ? String.format("%.2f / %.2f ms", o.baseline().cpuMillisPerOperation(1), o.subject().cpuMillisPerOperation(1))
                        : "not measured", failures(List.of(o))));
    }

    void profile(String markdown) {
        put("profile", markdown);
    }

    /** Durable commits per global transaction under 32 clients: the server's COMMITs less the background's. */
    void commitsUnderLoad(Load.Result load, DatabaseCounters.Snapshot counts) {
        double commits = per(counts, "Com_commit", (int) load.ok());
        put("commits-loaded", String.format("%.2f", commits));
        put("commits-loaded-text", String.format("Under load: %,d TCC orders at 32 clients in %.0f s, then the wait for every"
                        + " final state; the server counted %.2f `COMMIT`s per global transaction, the background's subtracted"
                        + " at the idle window's rate (the framework writes nothing in autocommit mode, so these are its"
                        + " durable commits). Commits that serve several transactions at once (a completion riding on"
                        + " another's commit, a group commit) are amortized here, which one order at a time cannot show.%s",
                load.ok(), load.seconds(), commits, load.failed() == 0 ? "" : String.format(" %d orders failed (first: %s).",
                        load.failed(), load.firstFailure())));
        target("commits", 32, "Durable commits per global transaction, amortized over a run at 32 clients", "≤ "
                + COMMITS_LOADED_TARGET, String.format("**%.2f**", commits), commits <= COMMITS_LOADED_TARGET + 0.005);
    }

    /** Recovery: {@value #RECOVERY_TRANSACTIONS} decided transactions finished by 2 daemons; null seconds: not measured. */
    void recovery(Double seconds, String note) {
        target("recovery", 0, String.format("Recovery: %,d decided transactions finished by 2 recovery daemons",
                        RECOVERY_TRANSACTIONS), "≤ " + (int) RECOVERY_TARGET_SECONDS + " s",
                seconds == null ? note : String.format("**%.1f s**%s", seconds, note == null ? "" : "; " + note),
                seconds == null ? null : seconds <= RECOVERY_TARGET_SECONDS);
    }

    /** Explicit commits, or (a baseline on an autocommit pool) each data-changing statement, its own commit. */
    private static double baselineCommits(DatabaseCounters.Snapshot baseline, int orders) {
        double explicit = per(baseline, "Com_commit", orders);
        return explicit >= 0.5 ? explicit
                : per(baseline, "Com_commit+Com_insert+Com_insert_select+Com_update+Com_delete", orders);
    }

    void commits(int orders, DatabaseCounters.Snapshot tcc, DatabaseCounters.Snapshot baseline,
                 DatabaseCounters.Snapshot idle, boolean perDatabase, String orderDb, String inventoryDb) {
        orderStatements = new double[] {per(tcc, "Questions", orders), per(baseline, "Questions", orders),
                per(tcc, "Com_commit", orders), baselineCommits(baseline, orders), per(tcc, "Com_set_option", orders)};
        Map<String, Double> order = CommitTables.byKind(tcc, orderDb, orders);
        Map<String, Double> inventory = CommitTables.byKind(tcc, inventoryDb, orders);
        double commits = orderStatements[2];
        double baselineCommits = orderStatements[3];
        put("commits-table", CommitTables.table(orders, tcc, baseline, perDatabase ? order : null,
                perDatabase ? inventory : null, commits, baselineCommits));
        put("commits-orders", String.format("%,d", orders));
        put("commits-idle", String.format("%.1f s, in which the server counted %d `COMMIT`s and %d statements",
                idle.nanos() / 1e9, idle.status().get("Com_commit"), idle.status().get("Questions")));
        put("commits-total", String.format("%.2f", commits) + (perDatabase
                ? String.format(" (order database %.2f, inventory database %.2f)", order.get("COMMIT"), inventory.get("COMMIT")) : ""));
        target("commits", 1, "Durable commits per global transaction, one order at a time (1 client)", "≤ "
                + (int) COMMITS_TARGET, String.format("**%.2f**", commits), commits <= COMMITS_TARGET + 0.005);
        put("commits-target", String.format("%.2f commits per global transaction against a target of %.0f: **%s**", commits,
                COMMITS_TARGET, verdict(commits <= COMMITS_TARGET + 0.005)));
        if (!perDatabase) {
            put("commits-check", "This server has performance_schema off, so the statements are counted for both databases"
                    + " together; run on the embedded MariaDB (the default) to split them per database.");
        } else if (Math.round(order.get("COMMIT")) == EXPLAINED_COMMITS[0]
                && Math.round(inventory.get("COMMIT")) == EXPLAINED_COMMITS[1]) {
            put("commits-check", String.format("The count matches the explanation below commit for commit: %d in the order"
                    + " database, %d in the inventory database.", EXPLAINED_COMMITS[0], EXPLAINED_COMMITS[1]));
        } else {
            put("commits-check", String.format("**This run counted %.2f + %.2f commits, but the explanation below describes"
                            + " %d + %d: the code changed, update the explanation** (in tcc-benchmarks'"
                            + " `benchmarks.md` template).", order.get("COMMIT"), inventory.get("COMMIT"),
                    EXPLAINED_COMMITS[0], EXPLAINED_COMMITS[1]));
        }
        put("statements", perDatabase ? CommitTables.statements(tcc, orders, orderDb, "order")
                + CommitTables.statements(tcc, orders, inventoryDb, "inventory")
                : "Not available on this server: performance_schema is off.\n");
    }

    void memory(Memory.Result result) {
        this.memory = result;
        if (result.series().isEmpty()) {
            put("memory-table", "Not measured: the Java running the benchmarks has no `jcmd`/`jstat` (a JDK is needed).\n");
            put("memory-verdict", "not measured");
            return;
        }
        StringBuilder t = new StringBuilder("| service | heap after full GC, first sample | last sample | lowest – highest"
                + " | slope, bytes per transaction | noise (2 standard errors of the slope) | flat |\n"
                + "|---|---|---|---|---|---|---|\n");
        boolean flat = true;
        for (Memory.Series s : result.series()) {
            t.append(String.format("| %s | %s | %s | %s – %s | %+.1f | %.1f | %s |%n", s.service(), mib(s.first()),
                    mib(s.last()), mib(s.min()), mib(s.max()), s.slope(), s.noise(), s.flat() ? "yes" : "**no: it grows**"));
            flat &= s.flat();
        }
        Memory.Series first = result.series().get(0);
        t.append(String.format("%n%,d transactions in %d s at 8 clients, %d samples per service%s.%n", first.transactions(),
                result.duration().toSeconds(), first.samples().size(), result.failed() == 0 ? ""
                        : String.format("; %d failed (first: %s)", result.failed(), result.firstFailure())));
        StringBuilder samples = new StringBuilder("| transactions so far |");
        result.series().forEach(s -> samples.append(' ').append(s.service()).append(" |"));
        samples.append("\n|---|").append("---|".repeat(result.series().size())).append('\n');
        for (int i = 0; i < first.samples().size(); i++) {
            samples.append(String.format("| %,d |", first.samples().get(i)[0]));
            for (Memory.Series s : result.series()) {
                samples.append(' ').append(mib(s.samples().get(i)[1])).append(" |");
            }
            samples.append('\n');
        }
        put("memory-table", t.toString());
        put("memory-samples", samples.toString());
        put("memory-verdict", flat ? "flat" : "NOT flat");
    }

    void machineLoad(String loadAfter, double othersShare, Duration elapsed) {
        this.othersShare = othersShare;
        String shared = Double.isNaN(othersShare) ? "How busy the machine was with other work is unknown (no /proc/stat)."
                : String.format("Other processes used %.0f %% of the machine's CPU capacity meanwhile (its busy time less"
                        + " what this run's processes spent)%s", othersShare * 100, othersShare > 0.05
                        ? ": **measured on a shared machine**. Absolute figures are lower and noisier than on an idle one;"
                        + " the ratios compare rounds run alternately under the same conditions." : ".");
        put("load", String.format("Load average (1, 5, 15 min) %s before the run and %s after it. %s",
                values.get("load-before"), loadAfter, shared));
        put("elapsed", String.format("%.1f min", elapsed.toSeconds() / 60.0));
    }

    /** One row of the summary; {@code met} null: not measured. Rows keep the order of {@link #SUMMARY_ORDER}. */
    private void target(String kind, int threads, String what, String goal, String measured, Boolean met) {
        targets.put(kind + "/" + threads, String.format("| %s | %s | %s | %s |%n", what, goal, measured,
                met == null ? "not measured" : met ? "met" : "**NOT met**"));
    }

    private static final List<String> SUMMARY_ORDER = List.of("e2e/8", "e2e/32", "e2e-async/8", "e2e-cpu/8", "fence/1",
            "fence/8", "commits/32", "commits/1", "recovery/0");

    private String summary() {
        StringBuilder t = new StringBuilder("| target (issue 14), each a ratio or count measured in this run | goal"
                + " | measured | |\n|---|---|---|---|\n");
        for (String key : SUMMARY_ORDER) {
            t.append(targets.getOrDefault(key, "| " + key + " | | not measured in this run | not measured |\n"));
        }
        return t.toString();
    }

    String render() throws IOException {
        put("limits", limits());
        put("summary", summary());
        try (InputStream in = Report.class.getResourceAsStream("profile-before.md")) {
            put("profile-before", in == null ? "No before-profile was recorded (`-Dbench.profile.before=<file>`)."
                    : new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceFirst("(?s)^<!--.*?-->\\s*", ""));
        }
        String template;
        try (InputStream in = Report.class.getResourceAsStream("benchmarks.md")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("\\{\\{([a-z0-9-]+)}}").matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("the template names {{" + m.group(1) + "}}, which this run did not measure");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value.strip()));
        }
        return m.appendTail(out).toString();
    }

    /** Each benchmark's result and, from the figures measured, what it comes down to. */
    private String limits() {
        StringBuilder text = new StringBuilder();
        if (!fence.isEmpty() && fenceStatements != null) {
            boolean met = fence.stream().allMatch(o -> o.ratio() >= FENCE_TARGET);
            text.append(String.format("**Fence overhead: %s** (%s; target %.1f). Both sides commit twice per operation, so"
                            + " the fence costs in the work around the commits: %.1f statements per operation against %.1f for"
                            + " the plain pair (the fence row's insert and its compare-and-set; the confirm carries the try's"
                            + " arguments, so nothing is read back), and the arguments encoded as JSON for the row. CPU per"
                            + " operation at %d threads: %.2f ms in this JVM against %.2f ms%s. The plain pair is small, two"
                            + " short transactions of two statements each, so the fence's fixed cost weighs heavily on it;"
                            + " larger business methods would dilute it.%n%n", met ? "met" : "NOT met", ratios(fence),
                    FENCE_TARGET, fenceStatements[1], fenceStatements[0], last(fence).threads(),
                    last(fence).subject().cpuMillisPerOperation(0), last(fence).baseline().cpuMillisPerOperation(0),
                    databaseCpu ? String.format(", %.2f ms in the database against %.2f ms",
                            last(fence).subject().cpuMillisPerOperation(1), last(fence).baseline().cpuMillisPerOperation(1)) : ""));
        }
        Interleaved.Outcome o = endToEndAtTarget;
        if (o != null && orderStatements != null) {
            double tcc = o.subject().cpuMillisPerOperation(0) + (databaseCpu ? o.subject().cpuMillisPerOperation(1) : 0);
            double base = o.baseline().cpuMillisPerOperation(0) + (databaseCpu ? o.baseline().cpuMillisPerOperation(1) : 0);
            double cores = o.subject().cores(0) + (databaseCpu ? o.subject().cores(1) : 0);
            String where = databaseCpu ? "the services and the database" : "the services (the database's CPU is not measured"
                    + " on a server of others)";
            text.append(String.format("**End to end: %s** (%.2f at %d clients; target %.1f). A TCC order is three HTTP"
                            + " exchanges (the client's, then the signed try and the signed confirm to the inventory) and"
                            + " %.1f statements with %.1f commits in two databases, %.1f of those statements `SET autocommit`"
                            + " (the services' pools hand out connections with autocommit off). A baseline order is"
                            + " two HTTP exchanges and %.1f statements with %.1f commits. At %d clients %s kept %.1f of the"
                            + " machine's %d cores busy during the TCC rounds, beside the clients in the benchmark's JVM and"
                            + " %s. Throughput then follows the CPU each transaction takes: %.2f ms for TCC against %.2f ms"
                            + " for the baseline, a ratio of %.2f beside the throughput ratio of %.2f. Of that, the services'"
                            + " JIT compilers, after the warm-up, took %.2f ms per TCC transaction and %.2f ms per baseline"
                            + " one. A ratio of %.1f needs TCC's CPU per transaction at most %.0f times the baseline's,"
                            + " %.2f ms: %.2f ms less than now. Where the services spend it: the profile in benchmark 2.%n%n",
                    o.ratio() >= END_TO_END_TARGET ? "met" : "NOT met", o.ratio(), o.threads(), END_TO_END_TARGET,
                    orderStatements[0], orderStatements[2], Math.max(0.0, orderStatements[4]), orderStatements[1], orderStatements[3],
                    o.threads(), where, cores, Runtime.getRuntime().availableProcessors(),
                    Double.isNaN(othersShare) ? "other processes" : String.format("other processes (%.0f %% of the machine"
                            + " over the run)", othersShare * 100), tcc, base, base / tcc, o.ratio(),
                    o.subject().cpuMillisPerOperation(2), o.baseline().cpuMillisPerOperation(2), END_TO_END_TARGET,
                    1 / END_TO_END_TARGET, base / END_TO_END_TARGET, tcc - base / END_TO_END_TARGET));
        }
        if (orderStatements != null) {
            boolean met = orderStatements[2] <= COMMITS_TARGET + 0.005;
            text.append(String.format("**Commits: %s** (%.2f per global transaction; target %.0f). %s%n%n",
                    met ? "met" : "NOT met", orderStatements[2], COMMITS_TARGET, met ? "The floor: the remote branch's final state"
                            + " rides on the next order's commit (`tcc.completion-linger`, benchmark 3)."
                            : "As benchmark 3 explains commit by commit: with `tcc.completion-linger` at 0 the remote"
                            + " branch's final state takes a commit of its own, one above the floor."));
        }
        if (memory != null) {
            String verdict = values.get("memory-verdict");
            text.append("**Memory: ").append(verdict).append("**: ").append(switch (verdict) {
                case "flat" -> "no service's heap after GC grows with the transactions beyond the noise.";
                case "NOT flat" -> "a service's heap after GC grows with the transactions (benchmark 4).";
                default -> "this Java has no jcmd or jstat to read the services' heap.";
            }).append('\n');
        }
        return text.toString();
    }

    /** The services' CPU per transaction less their JIT compiler threads' (meters 0 and 2 of the end-to-end run). */
    private static double withoutCompiler(Interleaved.Side side) {
        return side.cpuMillisPerOperation(0) - side.cpuMillisPerOperation(2);
    }

    private static String ratios(List<Interleaved.Outcome> outcomes) {
        return String.join(", ", outcomes.stream().map(o -> String.format("%.2f at %d", o.ratio(), o.threads())).toList());
    }

    private static Interleaved.Outcome last(List<Interleaved.Outcome> outcomes) {
        return outcomes.get(outcomes.size() - 1);
    }

    private static String rounds(List<Interleaved.Outcome> outcomes) {
        Interleaved.Outcome o = outcomes.get(0);
        return String.format("%d rounds of %.0f s per side", o.baseline().rounds().size(),
                o.baseline().rounds().get(0).seconds());
    }

    private static String failures(List<Interleaved.Outcome> outcomes) {
        StringBuilder notes = new StringBuilder();
        for (Interleaved.Outcome o : outcomes) {
            for (Interleaved.Side side : List.of(o.baseline(), o.subject())) {
                Load.Result r = side.pooled();
                if (r.failed() > 0) {
                    notes.append(String.format("%nAt %d: %d operations of the %s failed (first: %s); they count in no figure.%n",
                            o.threads(), r.failed(), side == o.baseline() ? "baseline" : "subject", r.firstFailure()));
                }
            }
        }
        return notes.toString();
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (double) (1 << 20));
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT met";
    }
}
