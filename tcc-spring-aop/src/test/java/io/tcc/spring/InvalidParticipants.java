package io.tcc.spring;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
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
}
