/**
 * The seeded HTTP fuzzer the tests run against every endpoint. Test support, not shipped to users.
 */
package io.tcc.test.fuzz;
