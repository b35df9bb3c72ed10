package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tcc.fence.FencePhase;
import io.tcc.http.FaultInjector.Kind;
import io.tcc.http.FaultInjector.Rule;

class FaultInjectorTest {

    @Test
    void countsWhatFiredByKindAndByPhaseAndKind() {
        FaultInjector faults = new FaultInjector(true, 7);
        faults.add(Rule.times("inventory", "reserve-stock", FencePhase.TRY, Kind.REQUEST_LOST, 2));
        faults.add(Rule.times("inventory", "reserve-stock", null, Kind.ERROR, 1));

        assertEquals(Kind.REQUEST_LOST, faults.pick("inventory", "reserve-stock", FencePhase.TRY).kind());
        assertEquals(Kind.ERROR, faults.pick("inventory", "reserve-stock", FencePhase.CANCEL).kind());
        assertEquals(Kind.REQUEST_LOST, faults.pick("inventory", "reserve-stock", FencePhase.TRY).kind());
        assertNull(faults.pick("inventory", "reserve-stock", FencePhase.TRY), "both rules are used up");

        assertEquals(Map.of(Kind.REQUEST_LOST, 2L, Kind.RESPONSE_LOST, 0L, Kind.DELAYED, 0L, Kind.ERROR, 1L), faults.injected());
        assertEquals(2L, faults.injectedByPhase().get(FencePhase.TRY).get(Kind.REQUEST_LOST));
        assertEquals(1L, faults.injectedByPhase().get(FencePhase.CANCEL).get(Kind.ERROR));
        assertEquals(0L, faults.injectedByPhase().get(FencePhase.CONFIRM).values().stream().mapToLong(Long::longValue).sum());
    }
}
