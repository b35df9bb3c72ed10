package io.tcc.fence;

/**
 * The business method of a try, run by the fence inside the local transaction that records the branch.
 * Whatever it throws rolls the fence row back and reaches the caller unchanged.
 */
@FunctionalInterface
public interface BranchCallback<T> {
    T proceed() throws Throwable;
}
