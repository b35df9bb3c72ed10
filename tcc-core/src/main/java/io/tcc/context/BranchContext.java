package io.tcc.context;

import java.time.Instant;

/**
 * What a confirm or cancel method may ask for besides the try's arguments: which transaction and branch it serves.
 * Declare a parameter of this type on a {@link io.tcc.annotation.Confirm} or {@link io.tcc.annotation.Cancel} method.
 */
public record BranchContext(String xid, String branchId, String action, Instant deadline) {
}
