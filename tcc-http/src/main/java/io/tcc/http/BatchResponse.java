package io.tcc.http;

import java.util.List;

/**
 * A participant's answer to a batch of confirms or cancels (HTTP 200): one {@link BranchResponse} per entry, in the
 * entries' order, each what that branch's call alone would have been answered.
 */
public record BatchResponse(List<BranchResponse> results) {
}
