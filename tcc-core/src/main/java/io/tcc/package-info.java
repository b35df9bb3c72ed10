/**
 * The kernel of TCC: the root exceptions, {@link io.tcc.Timing} (the one timing value every part takes) and the
 * identifier rules. Imports nothing of the framework; every other package may import it.
 */
package io.tcc;
