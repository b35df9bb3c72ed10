/**
 * QA tool: the seeded explorer of interleavings over the real fence, coordinator, recovery and cleanup. See
 * docs/explorer.md.
 */
package io.tcc.explorer;
