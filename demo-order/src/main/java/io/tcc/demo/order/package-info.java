/**
 * Demo initiator: an order service that runs one global TCC transaction per order over a local and a remote branch.
 *
 * <p>This module is part of the fixed layout; its code arrives with the issue that builds it (see docs/README.md).
 */
package io.tcc.demo.order;
