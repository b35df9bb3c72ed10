package io.tcc.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the branches whose failure was already logged in full, so that a failure every retry repeats logs its
 * stack trace once and then a line with its cause. Bounded: the least recently failed are forgotten first.
 */
final class RepeatedFailures {

    private final Map<String, Boolean> logged;

    RepeatedFailures(int capacity) {
        this.logged = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** True the first time {@code failure} (a branch and phase, say) is seen, or once it was forgotten. */
    synchronized boolean isFirst(String failure) {
        return logged.put(failure, Boolean.TRUE) == null;
    }
}
