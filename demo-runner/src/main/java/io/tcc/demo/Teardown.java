package io.tcc.demo;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a runner started (a database, service processes), stopped once and in reverse order whatever happens: when the
 * runner closes it, or from a shutdown hook on Ctrl-C, whichever comes first.
 */
public final class Teardown implements AutoCloseable {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Thread hook = new Thread(this::onShutdown, "teardown");
    private volatile boolean interrupted;

    public Teardown() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Stops {@code stop} at the end, before whatever was added earlier; at once if everything is being stopped. */
    public synchronized void add(AutoCloseable stop) throws Exception {
        if (interrupted) {
            stop.close();
            throw new IllegalStateException("interrupted: stopping everything");
        }
        started.push(stop);
    }

    /** True once the process is shutting down (Ctrl-C): what failed then failed because everything was being stopped. */
    public boolean interrupted() {
        return interrupted;
    }

    private void onShutdown() {
        interrupted = true;
        stopAll();
    }

    private synchronized void stopAll() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.out.println("could not stop everything: " + e);
            }
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is running or has run
        }
    }

    /** A system property the runner cannot do without; the message says which command sets it. */
    public static String required(String property, String command) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run " + command
                    + " at the repository root, which sets it");
        }
        return value;
    }
}
