/**
 * The @Try/@Confirm/@Cancel aspects (Spring AOP proxies or AspectJ weaving) and Spring Boot auto-configuration over tcc-core.
 *
 * <p>This module is part of the fixed layout; its code arrives with the issue that builds it (see docs/README.md).
 */
package io.tcc.spring;
