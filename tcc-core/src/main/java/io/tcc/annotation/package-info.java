/**
 * The annotations application code writes: {@code @Try}, {@code @Confirm}, {@code @Cancel}, {@code
 * @GlobalTransaction}.
 */
package io.tcc.annotation;
