package io.tcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.tcc.BadInputException;

class IdentifiersTest {

    @Test
    void acceptsTheCharactersXidsAreMadeOf() {
        assertEquals("order-svc:7f3a.01_x", Identifiers.requireXid("order-svc:7f3a.01_x"));
        assertEquals("x".repeat(128), Identifiers.requireXid("x".repeat(128)));
        assertEquals("inventory.reserve-stock", Identifiers.requireAction("inventory.reserve-stock"));
    }

    @Test
    void rejectsMissingOversizedAndForeignCharactersWithTheReason() {
        assertTrue(assertThrows(BadInputException.class, () -> Identifiers.requireXid(null)).getMessage().contains("missing"));
        assertTrue(assertThrows(BadInputException.class, () -> Identifiers.requireXid("x".repeat(129))).getMessage()
                .contains("at most 128"));
        assertThrows(BadInputException.class, () -> Identifiers.requireXid("-starts-with-dash"));
        assertThrows(BadInputException.class, () -> Identifiers.requireBranchId("b/1"));
        assertThrows(BadInputException.class, () -> Identifiers.requireAction("9lives"));
        assertThrows(BadInputException.class, () -> Identifiers.requireAction("reserve stock"));
    }

    @Test
    void neverEchoesControlCharactersIntoMessages() {
        BadInputException e = assertThrows(BadInputException.class, () -> Identifiers.requireXid("a\nINFO forged"));
        assertTrue(e.getMessage().contains("a\\u000aINFO forged"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
