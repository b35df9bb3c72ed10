package io.tcc.demo;

import java.io.PrintStream;

/** The scenario's progress line: on a terminal rewritten in place as a batch advances, elsewhere printed once. */
final class ProgressLine {

    private final PrintStream out;
    private final boolean live = System.console() != null;
    private volatile String head = "";

    ProgressLine(PrintStream out) {
        this.out = out;
    }

    void begin(String head) {
        this.head = head;
        if (live) {
            rewrite(head);
        } else {
            out.print(head);
            out.flush();
        }
    }

    /** How far a batch has come; shown on a terminal only. */
    void advance(String count) {
        rewrite(head + " " + count);
    }

    synchronized void end(String result) {
        out.println(live ? "\r" + head + result + "\u001b[K" : result);
    }

    /** A line under the head: what the step saw. */
    void detail(String line) {
        out.println("      " + line);
    }

    private synchronized void rewrite(String line) {
        if (live) {
            out.print("\r" + line + "\u001b[K");
            out.flush();
        }
    }
}
