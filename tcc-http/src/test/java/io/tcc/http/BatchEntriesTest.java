package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tcc.BadInputException;
import io.tcc.fence.FencePhase;
import tools.jackson.databind.json.JsonMapper;

class BatchEntriesTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private List<BranchCall> parse(String body, int max) {
        return entries(body, max).stream().map(BatchEntries.Entry::call).toList();
    }

    private List<BatchEntries.Entry> entries(String body, int max) {
        return BatchEntries.parse(json, body.getBytes(StandardCharsets.UTF_8), "confirm", max);
    }

    private static String entry(String xid, String branch) {
        return "{\"xid\":\"" + xid + "\",\"branch\":\"" + branch + "\",\"action\":\"reserve-stock\",\"deadline\":1700000000000}";
    }

    @Test
    void readsEveryEntryAsTheCallItsHeadersWouldMake() {
        List<BranchCall> calls = parse("{\"entries\":[" + entry("a", "1") + "," + entry("b", "2") + "]}", 10);

        assertEquals(List.of(new BranchCall("a", "1", "reserve-stock", Instant.ofEpochMilli(1700000000000L), FencePhase.CONFIRM),
                new BranchCall("b", "2", "reserve-stock", Instant.ofEpochMilli(1700000000000L), FencePhase.CONFIRM)), calls);
    }

    @Test
    void aMalformedEntryIsRefusedNamingItsIndexAndField() {
        String message = assertThrows(BadInputException.class,
                () -> parse("{\"entries\":[" + entry("a", "1") + "," + entry("b", "bad branch") + "]}", 10)).getMessage();
        assertTrue(message.startsWith("entry 1: "), message);

        message = assertThrows(BadInputException.class, () -> parse("{\"entries\":[{\"xid\":\"a\",\"branch\":\"1\","
                + "\"action\":\"reserve-stock\"}]}", 10)).getMessage();
        assertEquals("entry 0: field deadline is missing", message);

        message = assertThrows(BadInputException.class, () -> parse("{\"entries\":[{\"xid\":\"a\",\"branch\":\"1\","
                + "\"action\":\"reserve-stock\",\"deadline\":\"1700000000000\"}]}", 10)).getMessage();
        assertTrue(message.contains("deadline must be epoch milliseconds"), message);

        message = assertThrows(BadInputException.class, () -> parse("{\"entries\":[{\"xid\":\"a\",\"branch\":\"1\","
                + "\"action\":\"reserve-stock\",\"deadline\":1,\"argz\":[]}]}", 10)).getMessage();
        assertEquals("entry 0: unknown field 'argz'", message);

        message = assertThrows(BadInputException.class, () -> parse("{\"entries\":[{\"xid\":\"a\",\"branch\":\"1\","
                + "\"action\":\"reserve-stock\",\"deadline\":1,\"args\":{\"sku\":1}}]}", 10)).getMessage();
        assertEquals("entry 0: args must be the try's arguments, a JSON array", message);
    }

    @Test
    void anEntryCarriesTheTrysArgumentsWhenItHasThem() {
        List<BatchEntries.Entry> read = entries("{\"entries\":[{\"xid\":\"a\",\"branch\":\"1\",\"action\":\"reserve-stock\","
                + "\"deadline\":1700000000000,\"args\":[\"o-1\",\"SKU-1\",2]}," + entry("b", "2") + "]}", 10);

        assertEquals("[\"o-1\",\"SKU-1\",2]", read.get(0).args().toString());
        assertEquals(null, read.get(1).args());
    }

    @Test
    void oneBranchTwiceEmptyBatchesAndOtherShapesAreRefused() {
        assertTrue(assertThrows(BadInputException.class, () -> parse("{\"entries\":[" + entry("a", "1") + ","
                + entry("a", "1") + "]}", 10)).getMessage().contains("entry 1 names the same branch as entry 0"));
        assertThrows(BadInputException.class, () -> parse("{\"entries\":[]}", 10));
        assertThrows(BadInputException.class, () -> parse("[" + entry("a", "1") + "]", 10));
        assertThrows(BadInputException.class, () -> parse("{\"entries\":[" + entry("a", "1") + "],\"more\":1}", 10));
        assertThrows(BadInputException.class, () -> parse("not json", 10));
    }

    @Test
    void moreEntriesThanTheParticipantTakesAreTooMany() {
        String message = assertThrows(BatchEntries.TooManyException.class, () -> parse("{\"entries\":[" + entry("a", "1")
                + "," + entry("b", "1") + "]}", 1)).getMessage();
        assertTrue(message.contains("tcc.http.participant.max-batch-entries"), message);
    }
}
