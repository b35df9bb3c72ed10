/**
 * Runs the demo: an embedded MariaDB, both services as processes, the scripted scenario and its report. See
 * docs/demo.md.
 */
package io.tcc.demo;
