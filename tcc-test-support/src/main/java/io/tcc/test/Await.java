package io.tcc.test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waits for a state by polling it, never by sleeping a fixed time: returns as soon as it holds, fails at the deadline. */
public final class Await {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private Await() {
    }

    /**
     * Polls {@code condition} until it returns true.
     *
     * @param what names the awaited state in the failure message
     * @throws AssertionError when {@code timeout} passes first, naming {@code what} and the last exception seen
     */
    public static void until(String what, Duration timeout, Callable<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("gave up waiting " + timeout + " for " + what
                        + (last == null ? "" : " (last error: " + last + ")"), last);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
