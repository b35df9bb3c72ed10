package io.tcc.explorer;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.tcc.fence.FencePhase;
import io.tcc.http.FaultInjector;

/** One run's figures as one text block: what was generated, what happened, what the checks found. */
record Report(long seed, Setup setup, int transactions, long millis, String text, int violations) {

    private static final int LISTED = 100;

    static Report of(long seed, Topology t, Ledger ledger, Crashes crashes, Checks checks, long millis) {
        StringBuilder out = new StringBuilder();
        int n = ledger.transactions().size();
        out.append("explorer seed=").append(seed).append(" setup=").append(t.setup)
                .append(" (every pool read back as ").append(t.setup.serverName()).append(")\n");
        out.append("transactions: ").append(n).append(String.format(" in %.1f s (generation %.1f s, quiescence %.1f s)%n",
                millis / 1000.0, ledger.generationMillis / 1000.0, ledger.quiescenceMillis / 1000.0));
        long[] times = ledger.transactions().stream().mapToLong(tx -> tx.millis).sorted().toArray();
        if (times.length > 0) {
            out.append(String.format("per transaction: %.1f tx/s over %d workers; initiator time p50 %d ms, p90 %d ms,"
                    + " p99 %d ms, max %d ms%n", n * 1000.0 / Math.max(1, ledger.generationMillis), Topology.WORKERS,
                    times[times.length / 2], times[times.length * 9 / 10], times[times.length * 99 / 100],
                    times[times.length - 1]));
        }
        Map<String, Long> branches = ledger.transactions().stream().flatMap(tx -> tx.plan.branches().stream())
                .collect(Collectors.groupingBy(b -> b.kind().name().toLowerCase(), TreeMap::new, Collectors.counting()));
        out.append("branches: ").append(branches).append("\n");
        Map<String, Long> answers = ledger.transactions().stream().collect(Collectors.groupingBy(
                tx -> tx.answer + (tx.failure == null || tx.answer == Ledger.Answer.CANCELLED ? ""
                        : " " + tx.failure.getClass().getSimpleName()), TreeMap::new, Collectors.counting()));
        out.append("caller answers: ").append(answers).append("\n");
        out.append("business faults fired (phase kind): ").append(t.faults.counts()).append("\n");
        Map<String, Long> wire = new TreeMap<>();
        t.wire.injectedByPhase().forEach((FencePhase phase, Map<FaultInjector.Kind, Long> byKind) -> byKind.forEach(
                (kind, count) -> {
                    if (count > 0) {
                        wire.put(phase.name().toLowerCase() + " " + kind, count);
                    }
                }));
        out.append("network faults injected (phase kind): ").append(wire).append("\n");
        out.append("crashes by point: ").append(crashes.counts()).append("\n");
        out.append("planned specials: ").append(specials(ledger)).append("\n");
        out.append("races and background: ").append(ledger.events()).append("\n");
        out.append("decisions: ").append(new TreeMap<>(checks.decisions)).append("\n");
        out.append("flagged for an operator at the end: ").append(checks.flagged.size()).append("\n");
        checks.flagged.stream().limit(LISTED).forEach(f -> out.append("  ").append(f).append("\n"));
        Map<String, Long> byKind = checks.violations.stream().collect(Collectors.groupingBy(Checks.Violation::kind,
                TreeMap::new, Collectors.counting()));
        out.append("violations: ").append(checks.violations.size()).append(byKind.isEmpty() ? "" : " " + byKind).append("\n");
        checks.violations.stream().limit(LISTED).forEach(v -> out.append("  ").append(v.xid()).append(" ").append(v.kind())
                .append(": ").append(v.detail()).append("\n    plan ").append(v.plan() == null ? "-" : v.plan())
                .append("\n"));
        if (checks.violations.size() > LISTED) {
            out.append("  ... ").append(checks.violations.size() - LISTED).append(" more\n");
        }
        out.append("replay: ExplorerIT's test of ").append(t.setup).append(" with -Dexplorer.seed=").append(seed)
                .append(" -Dexplorer.transactions=").append(n).append(" (docs/explorer.md)\n");
        return new Report(seed, t.setup, n, millis, out.toString(), checks.violations.size());
    }

    private static Map<String, Long> specials(Ledger ledger) {
        Map<String, Long> counts = new TreeMap<>();
        for (Ledger.Tx tx : ledger.transactions()) {
            Plan p = tx.plan;
            counts.merge("body swallows try failure", p.propagateTryFailure() ? 0L : 1L, Long::sum);
            counts.merge("body throws", p.throwAfterTries() ? 1L : 0L, Long::sum);
            counts.merge("clock stepped", p.clockStepMs() != 0 ? 1L : 0L, Long::sum);
            for (Plan.Branch b : p.branches()) {
                counts.merge("try in caller's transaction", b.callerTx() ? 1L : 0L, Long::sum);
                counts.merge("duplicate try", b.duplicateTry() ? 1L : 0L, Long::sum);
                counts.merge("cancel before try", b.cancelFirst() ? 1L : 0L, Long::sum);
                counts.merge("NUL in try args", b.note().indexOf('\0') >= 0 ? 1L : 0L, Long::sum);
            }
        }
        return counts;
    }
}
