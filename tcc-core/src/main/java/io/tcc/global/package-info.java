/**
 * The initiator: {@link io.tcc.global.Coordinator} begins, registers and decides; {@link io.tcc.global.PhaseTwo}
 * drives and resumes phase two; {@link io.tcc.global.LogStore} is the global log recovery, operators, metrics and
 * cleanup use. See docs/architecture.md.
 */
package io.tcc.global;
