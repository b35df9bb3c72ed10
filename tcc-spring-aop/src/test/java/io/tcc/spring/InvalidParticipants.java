package io.tcc.spring;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;

/** Participants declared wrongly, for the start-up checks. */
class InvalidParticipants {

    public static class MissingCancel {
        @Try("ship-parcel")
        public void ship(String parcel) {
        }

        @Confirm
        public void shipped(String parcel) {
        }
    }

    public static class PrivateTry {
        @Try("private-try")
        private void hold() {
        }

        @Confirm
        public void confirm() {
        }

        @Cancel
        public void cancel() {
        }

        /** Keeps the private method reachable, as real code would. */
        public void holdSelf() {
            hold();
        }
    }

    public static class FinalTry {
        @Try("final-try")
        public final void hold() {
        }

        @Confirm
        public void confirm() {
        }

        @Cancel
        public void cancel() {
        }
    }

    public static class PrivateGlobalTransaction {
        @GlobalTransaction
        private void place() {
        }

        /** Keeps the private method reachable, as real code would. */
        public void placeSelf() {
            place();
        }
    }

    public static class FinalGlobalTransaction {
        @GlobalTransaction
        public final void place() {
        }
    }
}
