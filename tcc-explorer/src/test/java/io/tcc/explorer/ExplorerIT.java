package io.tcc.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The seeded explorer on each database setup: at least 2,000 planned transactions with faults, crashes, races and
 * clock steps, then the databases judged. The seed is printed; {@code -Dexplorer.seed=} replays a run.
 */
class ExplorerIT {

    private static void explore(Setup setup) {
        long seed = Explorer.seed();
        int transactions = Explorer.transactions(2000);
        System.out.println("explorer: setup " + setup + " seed " + seed + " transactions " + transactions);
        Report report = Explorer.run(setup, seed, transactions);
        System.out.println(report.text());
        assertTrue(report.transactions() >= transactions);
        assertEquals(0, report.violations(), () -> "violations found; replay with -Dexplorer.seed=" + seed + "\n" + report.text());
    }

    @Test
    void mariaDbRepeatableReadKeepsEveryGuarantee() {
        explore(Setup.MARIADB_REPEATABLE_READ);
    }

    @Test
    void mariaDbReadCommittedKeepsEveryGuarantee() {
        explore(Setup.MARIADB_READ_COMMITTED);
    }

    @Test
    void postgresReadCommittedKeepsEveryGuarantee() {
        explore(Setup.POSTGRESQL_READ_COMMITTED);
    }

    @Test
    void postgresRepeatableReadKeepsEveryGuarantee() {
        explore(Setup.POSTGRESQL_REPEATABLE_READ);
    }
}
