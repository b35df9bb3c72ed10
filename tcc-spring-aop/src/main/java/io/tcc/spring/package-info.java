/**
 * Spring integration: {@code @EnableTcc}, the proxy interceptor, the AspectJ aspect and the check that woven classes
 * really were woven.
 */
package io.tcc.spring;
