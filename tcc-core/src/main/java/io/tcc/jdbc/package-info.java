/**
 * What differs between the supported databases ({@link io.tcc.jdbc.Dialect}) and the one place SQL files are loaded
 * and prepared ({@link io.tcc.jdbc.Statements}). Used by the fence and the global log.
 */
package io.tcc.jdbc;
