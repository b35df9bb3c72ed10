package io.tcc.spring.unwoven;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;

/**
 * Compiled by javac alone (see this module's pom): a build that forgot to weave. The tests name these classes by
 * string, so ajc never needs them and javac needs nothing of the woven tests.
 */
public final class UnwovenBeans {

    private UnwovenBeans() {
    }

    /** A participant whose try would run as a plain call, committing a reservation nothing ever cancels. */
    public static class Participant {
        @Try("unwoven-hold")
        public void hold(String sku) {
        }

        @Confirm
        public void confirm(String sku) {
        }

        @Cancel
        public void cancel(String sku) {
        }
    }

    /** An initiator whose global transaction would never start. */
    public static class Initiator {
        @GlobalTransaction
        public void place(String sku) {
        }
    }
}
