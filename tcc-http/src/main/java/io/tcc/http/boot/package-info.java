/**
 * Spring Boot auto-configuration of tcc-http. Wiring, not API: configure it through {@code tcc.http.*} properties.
 */
package io.tcc.http.boot;
