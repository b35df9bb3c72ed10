package io.tcc.fence;

/**
 * The business method of a confirm or cancel, run inside the local transaction that moves the fence row.
 * It receives the row as the try recorded it, so it can replay the try's arguments. When the caller carried the
 * arguments (they were checked against the row by its compare-and-set, not read back), the record's
 * {@code createdAt} and {@code updatedAt} are null. Whatever it throws
 * rolls the state change back (the branch stays TRIED) and reaches the caller unchanged.
 */
@FunctionalInterface
public interface ReplayCallback<T> {
    T proceed(FenceRecord tried) throws Throwable;
}
