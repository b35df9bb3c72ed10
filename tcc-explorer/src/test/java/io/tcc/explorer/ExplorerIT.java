package io.tcc.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;

/**
 * The seeded explorer on each database setup: at least 2,000 planned transactions with faults, crashes, races and
 * clock steps, then the databases judged. The seed is printed; {@code -Dexplorer.seed=} replays a run and
 * {@code -Dexplorer.transactions=} sets how many per setup (the long run: 25,000). Each setup's report is printed and
 * appended to {@code target/explorer-report.md}.
 */
class ExplorerIT {

    private static final Path REPORTS = Path.of("target", "explorer-report.md");

    private static void explore(Setup setup) throws IOException {
        long seed = Explorer.seed();
        int transactions = Explorer.transactions(2000);
        System.out.println("explorer: setup " + setup + " seed " + seed + " transactions " + transactions);
        Report report = Explorer.run(setup, seed, transactions);
        System.out.println(report.text());
        Files.createDirectories(REPORTS.getParent());
        Files.writeString(REPORTS, "\n## " + setup + "\n\n```\n" + report.text() + "```\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        assertTrue(report.transactions() >= transactions);
        assertEquals(0, report.violations(), () -> "violations found; replay with -Dexplorer.seed=" + seed + "\n" + report.text());
    }

    @Test
    void mariaDbRepeatableReadKeepsEveryGuarantee() throws IOException {
        explore(Setup.MARIADB_REPEATABLE_READ);
    }

    @Test
    void mariaDbReadCommittedKeepsEveryGuarantee() throws IOException {
        explore(Setup.MARIADB_READ_COMMITTED);
    }

    @Test
    void postgresReadCommittedKeepsEveryGuarantee() throws IOException {
        explore(Setup.POSTGRESQL_READ_COMMITTED);
    }

    @Test
    void postgresRepeatableReadKeepsEveryGuarantee() throws IOException {
        explore(Setup.POSTGRESQL_REPEATABLE_READ);
    }
}
