/**
 * The Quartz recovery daemon (clustered JDBC job store) that finishes what an initiator could not, with the operator API.
 *
 * <p>This module is part of the fixed layout; its code arrives with the issue that builds it (see docs/README.md).
 */
package io.tcc.recovery;
