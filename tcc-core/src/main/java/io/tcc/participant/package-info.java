/**
 * The participant side above the fence: the actions of this process ({@link io.tcc.participant.ActionRegistry}), the
 * participant inside the initiator ({@link io.tcc.participant.LocalParticipant}), and the {@link
 * io.tcc.participant.Participant} SPI phase two calls.
 */
package io.tcc.participant;
