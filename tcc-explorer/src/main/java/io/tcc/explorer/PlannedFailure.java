package io.tcc.explorer;

/** What an explorer business method throws when its plan says so: the business's own exception, as callers see it. */
public class PlannedFailure extends RuntimeException {
    public PlannedFailure(String message) {
        super(message);
    }
}
