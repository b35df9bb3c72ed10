package io.tcc.bench;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 3's figures per global transaction, from what the server counted: the table of commits and statements by
 * kind, and the statements of each database, most frequent first.
 */
final class CommitTables {

    private CommitTables() {
    }

    /**
     * @param order     the order database's statements by kind ({@link #byKind}); null when the server cannot split them
     * @param inventory the inventory database's, likewise
     */
    static String table(int orders, DatabaseCounters.Snapshot tcc, DatabaseCounters.Snapshot baseline,
                        Map<String, Double> order, Map<String, Double> inventory, double commits, double baselineCommits) {
        boolean perDatabase = order != null;
        String[][] rows = {
                {"commits (`COMMIT` statements, `Com_commit`)", "COMMIT", "Com_commit"},
                {"`INSERT` (`Com_insert` + `Com_insert_select`)", "INSERT", "Com_insert+Com_insert_select"},
                {"`UPDATE`", "UPDATE", "Com_update"},
                {"`DELETE`", "DELETE", "Com_delete"},
                {"`SELECT`", "SELECT", "Com_select"},
                {"`SET` (`Com_set_option`)", "SET", "Com_set_option"},
                {"all statements (`Questions`)", "ALL", "Questions"},
                {"`Handler_commit`", null, "Handler_commit"}};
        StringBuilder t = new StringBuilder("| per global transaction | TCC: order database | TCC: inventory database"
                + " | TCC: both (server counters) | baseline: both (server counters) |\n|---|---|---|---|---|\n");
        for (String[] row : rows) {
            t.append(String.format("| %s | %s | %s | %s | %s |%n", row[0],
                    perDatabase && row[1] != null ? hundredths(order.get(row[1])) : "",
                    perDatabase && row[1] != null ? hundredths(inventory.get(row[1])) : "",
                    hundredths(per(tcc, row[2], orders)), hundredths(per(baseline, row[2], orders))));
        }
        t.append(String.format("| **durable commits**: `COMMIT`s, plus writes in autocommit mode (each its own commit)"
                + " | %s | %s | **%s** | %s |%n", perDatabase ? hundredths(order.get("COMMIT")) : "",
                perDatabase ? hundredths(inventory.get("COMMIT")) : "", hundredths(commits), hundredths(baselineCommits)));
        return t.toString();
    }

    static String statements(DatabaseCounters.Snapshot tcc, int orders, String database, String service) {
        StringBuilder list = new StringBuilder("The " + service + " database (`" + database + "`), per global transaction:\n\n```\n");
        tcc.digests().entrySet().stream().filter(e -> e.getKey().database().equals(database))
                .filter(e -> e.getValue() / (double) orders >= 0.02)
                .sorted(Map.Entry.<DatabaseCounters.Digest, Long>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> list.append(String.format("%5.2f  %s%n", e.getValue() / (double) orders,
                        shorten(e.getKey().text()))));
        return list.append("```\n\n").toString();
    }

    /** Per transaction, by kind, from the digests of one database; ALL is every statement. */
    static Map<String, Double> byKind(DatabaseCounters.Snapshot counts, String database, int orders) {
        Map<String, Double> kinds = new HashMap<>();
        for (String kind : List.of("COMMIT", "INSERT", "UPDATE", "DELETE", "SELECT", "SET", "OTHER", "ALL")) {
            kinds.put(kind, 0.0);
        }
        counts.digests().forEach((digest, n) -> {
            if (digest.database().equals(database)) {
                kinds.merge(digest.kind(), n / (double) orders, Double::sum);
                kinds.merge("ALL", n / (double) orders, Double::sum);
            }
        });
        return kinds;
    }

    /** @param status a status counter, or several joined by {@code +} */
    static double per(DatabaseCounters.Snapshot counts, String status, int orders) {
        double sum = 0;
        for (String name : status.split("\\+")) {
            sum += counts.status().getOrDefault(name, 0L);
        }
        return sum / orders;
    }

    private static String shorten(String digest) {
        String flat = digest.replaceAll("\\s+", " ");
        return flat.length() > 150 ? flat.substring(0, 147) + "..." : flat;
    }

    /** Two decimals, and no "-0.00" for what the background's subtraction left a hair below zero. */
    private static String hundredths(double value) {
        return String.format("%.2f", Math.round(value * 100) / 100.0 + 0.0);
    }
}
