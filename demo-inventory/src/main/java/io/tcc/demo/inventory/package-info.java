/**
 * The demo's inventory service: a participant in proxy mode. See docs/demo.md.
 */
package io.tcc.demo.inventory;
