/**
 * The chaos harness: thousands of orders through random faults, cut links and kills. See docs/chaos.md.
 */
package io.tcc.demo.chaos;
