/**
 * The standalone recovery daemon: a runnable jar that needs no application code.
 */
package io.tcc.recovery.daemon;
