/**
 * Helpers shared by the framework's modules. Not a supported API: it may change in any release.
 */
package io.tcc.internal;
