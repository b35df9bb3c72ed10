/**
 * Test support, not shipped to users: real databases for the tests (a JDBC URL, Testcontainers, or an embedded
 * server) and {@code Await}.
 */
package io.tcc.test;
