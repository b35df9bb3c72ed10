/**
 * TCC over HTTP: the participant's gate and endpoint, the initiator's declarative clients with their guards, the
 * signed wire format and QA's fault injection. See docs/remote-participants.md.
 */
package io.tcc.http;
