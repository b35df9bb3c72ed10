package io.tcc.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.test.Await;

/**
 * What the scenario's steps read in the two databases (fence rows, stock freezes, unfinished transactions) and the
 * checks they make on it and on the services' answers: a check that fails throws {@link Scenario.Unexpected}.
 */
final class StepChecks {

    private final Demo demo;

    StepChecks(Demo demo) {
        this.demo = demo;
    }

    static DemoClient.Answer expectState(DemoClient.Answer answer, String state) throws Scenario.Unexpected {
        if (answer.status() != 201 || !state.equals(answer.text("state"))) {
            throw new Scenario.Unexpected("the order should be answered 201 " + state + ", it was " + answer);
        }
        return answer;
    }

    /** The inventory's fence row for the order's transaction, checked against what the step expects. */
    String expectFence(DemoClient.Answer answer, String expected) throws Scenario.Unexpected {
        String found = fence(answer.text("xid"));
        if (!found.equals(expected)) {
            throw new Scenario.Unexpected("the inventory's fence should hold " + expected + " for " + answer.text("xid")
                    + ", it holds " + found);
        }
        return found;
    }

    /** The inventory's fence rows for a transaction: "CANCELLED (empty rollback)", say, or "no row". */
    String fence(String xid) {
        List<String> rows = demo.databases.inventory().query("SELECT state, empty_cancel FROM tcc_fence WHERE xid = ?",
                (rs, n) -> rs.getString(1) + (rs.getBoolean(2) ? " (empty rollback)" : ""), xid);
        return rows.isEmpty() ? "no row" : String.join(", ", rows);
    }

    /** @param state the freeze row's state the order should have; null for none */
    String expectFreeze(DemoClient.Answer answer, String state) throws Scenario.Unexpected {
        String found = freeze(answer.text("id"));
        if (state == null ? found != null : !state.equals(found)) {
            throw new Scenario.Unexpected("order " + answer.text("id") + " should have " + (state == null ? "no freeze row"
                    : "its freeze row " + state) + ", found " + found);
        }
        return found;
    }

    /** The state of the order's stock_freeze row, null if it has none. */
    String freeze(String orderId) {
        List<String> rows = demo.databases.inventory().queryForList("SELECT state FROM stock_freeze WHERE order_id = ?",
                String.class, orderId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    int unfinished() {
        return demo.databases.orders().queryForObject(
                "SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')", Integer.class);
    }

    /** Until {@code condition} holds; if {@code timeout} passes first, the step fails with {@code failure}'s message. */
    static void await(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> failure)
            throws Scenario.Unexpected {
        try {
            Await.until(what, timeout, condition);
        } catch (AssertionError timedOut) {
            throw new Scenario.Unexpected(failure.get());
        }
    }

    /** Until no transaction is unfinished and no order PENDING, or the deadline, which stops the play. */
    Duration awaitAllFinished(Duration timeout) {
        Instant start = Instant.now();
        JdbcTemplate orders = demo.databases.orders();
        try {
            Await.until("every transaction finished", timeout, () -> unfinished() == 0
                    && orders.queryForObject("SELECT COUNT(*) FROM orders WHERE state = 'PENDING'", Integer.class) == 0);
        } catch (AssertionError timedOut) {
            throw new IllegalStateException("recovery did not finish within " + Scenario.seconds(timeout)
                    + "; unfinished: " + orders.queryForList("SELECT CONCAT(xid, ' ', state, IF(needs_operator,"
                    + " ' (flagged)', '')) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')", String.class)
                    + "; see " + demo.order.log());
        }
        return Duration.between(start, Instant.now());
    }
}
