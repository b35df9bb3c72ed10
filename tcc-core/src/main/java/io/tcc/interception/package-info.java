/**
 * What every interception mechanism (Spring AOP proxies, the AspectJ aspect, the programmatic template) calls: the
 * top of tcc-core's stack, the one package that reads the annotations.
 */
package io.tcc.interception;
