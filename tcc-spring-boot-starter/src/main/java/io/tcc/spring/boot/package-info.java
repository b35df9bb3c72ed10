/**
 * Spring Boot auto-configuration of TCC. Wiring, not API: configure it through {@code tcc.*} properties.
 */
package io.tcc.spring.boot;
