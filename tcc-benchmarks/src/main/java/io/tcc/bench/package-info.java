/**
 * Benchmarks, each against a baseline measured in the same run. See docs/benchmarks.md.
 */
package io.tcc.bench;
