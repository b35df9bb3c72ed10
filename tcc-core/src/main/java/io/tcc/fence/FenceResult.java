package io.tcc.fence;

/**
 * The answer to a fenced call that succeeded.
 *
 * @param value what the business method returned; null unless the outcome is {@link FenceOutcome#EXECUTED}
 */
public record FenceResult<T>(FenceOutcome outcome, T value) {

    static <T> FenceResult<T> executed(T value) {
        return new FenceResult<>(FenceOutcome.EXECUTED, value);
    }

    static <T> FenceResult<T> duplicate() {
        return new FenceResult<>(FenceOutcome.DUPLICATE, null);
    }

    static <T> FenceResult<T> emptyCancel() {
        return new FenceResult<>(FenceOutcome.EMPTY_CANCEL, null);
    }

    static <T> FenceResult<T> cleanedUp() {
        return new FenceResult<>(FenceOutcome.CLEANED_UP, null);
    }
}
