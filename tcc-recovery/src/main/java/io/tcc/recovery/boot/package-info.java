/**
 * Spring Boot auto-configuration of tcc-recovery. Wiring, not API: configure it through {@code tcc.recovery.*}
 * properties.
 */
package io.tcc.recovery.boot;
