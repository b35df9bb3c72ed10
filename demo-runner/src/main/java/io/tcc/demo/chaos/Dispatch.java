package io.tcc.demo.chaos;

import java.util.List;

/**
 * When each order goes out: order i once the gate is open and every event planned at or before i has started, so an
 * event fires at its planned point of the load. The first failure of a client or of the schedule stops everything.
 */
final class Dispatch {

    private final int orders;
    private final List<ChaosPlan.Event> events;
    private int dispatched;
    private int nextEvent;
    private boolean gateClosed;
    private Exception failure;

    Dispatch(int orders, List<ChaosPlan.Event> events) {
        this.orders = orders;
        this.events = events;
    }

    /** The next order to place, once it may go; -1 when all are placed or the run failed. */
    synchronized int next() throws InterruptedException {
        while (failure == null && dispatched < orders
                && (gateClosed || nextEvent < events.size() && events.get(nextEvent).at() <= dispatched)) {
            wait();
        }
        if (failure != null || dispatched >= orders) {
            return -1;
        }
        notifyAll();
        return dispatched++;
    }

    /** Waits until the load reaches the event's order, then counts it started; false if the run failed meanwhile. */
    synchronized boolean reached(ChaosPlan.Event event) throws InterruptedException {
        while (dispatched < event.at() && failure == null) {
            wait();
        }
        nextEvent++;
        notifyAll();
        return failure == null;
    }

    /** Closed: new orders wait (a service is restarting). */
    synchronized void gate(boolean closed) {
        gateClosed = closed;
        notifyAll();
    }

    /** Lets every waiting thread go; with a cause, the run has failed and stops. */
    synchronized void abort(Exception cause) {
        if (failure == null && cause != null) {
            failure = cause;
        }
        gateClosed = false;
        notifyAll();
    }

    synchronized Exception failure() {
        return failure;
    }
}
