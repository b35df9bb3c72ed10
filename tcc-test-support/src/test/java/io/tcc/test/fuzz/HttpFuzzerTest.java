package io.tcc.test.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class HttpFuzzerTest {

    private static final FuzzTarget OPEN = new FuzzTarget("open", random -> new FuzzRequest("POST", "/things",
            "{\"a\": 1}".getBytes(StandardCharsets.UTF_8)).add("Host", "h").add("Content-Type", "application/json"),
            Set.of("POST"), List.of("X-Id"), FuzzTarget.Body.STRICT, List.of("{\"a\": 0}"), true, null);

    private static final FuzzTarget GUARDED = new FuzzTarget("guarded", random -> new FuzzRequest("POST", "/admin",
            "{}".getBytes(StandardCharsets.UTF_8)).add("Host", "h"), Set.of("GET", "POST"), List.of(),
            FuzzTarget.Body.LENIENT, List.of(), false, FuzzTarget.bearer("a-token-of-sixteen-chars"));

    @Test
    void theSameSeedSendsTheSameRequests() {
        for (FuzzTarget target : List.of(OPEN, GUARDED)) {
            Random first = new Random(7);
            Random second = new Random(7);
            for (int i = 0; i < 500; i++) {
                FuzzRequest a = HttpFuzzer.malformed(target, first);
                FuzzRequest b = HttpFuzzer.malformed(target, second);
                assertArrayEquals(a.bytes(), b.bytes(), a.describe());
                assertEquals(a.mutations(), b.mutations());
            }
        }
    }

    @Test
    void everyRequestIsBrokenAtLeastOnce() {
        Random random = new Random(11);
        for (int i = 0; i < 2000; i++) {
            FuzzRequest open = HttpFuzzer.malformed(OPEN, random);
            assertTrue(open.mutations().stream().anyMatch(HttpFuzzerTest::breaking), open.describe());
            FuzzRequest guarded = HttpFuzzer.malformed(GUARDED, random);
            boolean authenticated = ("Bearer a-token-of-sixteen-chars").equals(guarded.first("Authorization"));
            assertTrue(!authenticated || guarded.mutations().stream().anyMatch(HttpFuzzerTest::breaking), guarded.describe());
            assertFalse(authenticated && guarded.mutations().stream().anyMatch(m -> m.startsWith("auth:")), guarded.describe());
        }
    }

    /** The names the breaking mutations give themselves; the neutral ones are the others. */
    private static boolean breaking(String mutation) {
        return !mutation.startsWith("junk-header") && !mutation.startsWith("duplicate-header")
                && !mutation.startsWith("name-case") && !mutation.equals("query") && !mutation.startsWith("accept:")
                && !mutation.equals("framing:CHUNKED") && !mutation.equals("ignored-body");
    }
}
