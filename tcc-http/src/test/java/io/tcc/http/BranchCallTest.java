package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tcc.BadInputException;
import io.tcc.fence.FencePhase;

class BranchCallTest {

    private Map<String, String> headers() {
        return new HashMap<>(Map.of(TccHeaders.XID, "tcc-1", TccHeaders.BRANCH, "2", TccHeaders.ACTION, "reserve-stock",
                TccHeaders.DEADLINE, "1790000000000"));
    }

    @Test
    void readsAWellFormedCall() {
        Map<String, String> h = headers();
        BranchCall call = BranchCall.parse("reserve-stock", "confirm", h::get);
        assertEquals(FencePhase.CONFIRM, call.phase());
        assertEquals(Instant.ofEpochMilli(1790000000000L), call.deadline());
        assertEquals("/tcc/reserve-stock/confirm", call.path());
    }

    @Test
    void namesWhatIsMissingOrMalformed() {
        Map<String, String> h = headers();
        h.remove(TccHeaders.XID);
        assertTrue(assertThrows(BadInputException.class, () -> BranchCall.parse("reserve-stock", "try", h::get))
                .getMessage().contains(TccHeaders.XID));
        Map<String, String> badDeadline = headers();
        badDeadline.put(TccHeaders.DEADLINE, "tomorrow");
        assertThrows(BadInputException.class, () -> BranchCall.parse("reserve-stock", "try", badDeadline::get));
        Map<String, String> forged = headers();
        forged.put(TccHeaders.XID, "x\r\nSet-Cookie: a=b");
        assertThrows(BadInputException.class, () -> BranchCall.parse("reserve-stock", "try", forged::get));
        Map<String, String> ok = headers();
        assertThrows(BadInputException.class, () -> BranchCall.parse("reserve-stock", "commit", ok::get));
        assertThrows(BadInputException.class, () -> BranchCall.parse("other-action", "try", ok::get));
    }
}
