/**
 * The demo's order service: the initiator, compiled by ajc. See docs/demo.md.
 */
package io.tcc.demo.order;
