package io.tcc.spring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tcc.participant.ArgumentCodecException;
import io.tcc.participant.JavaSerializationCodec;

/** The JSON codec: exact round trips for the declared types, strict reading, Java serialization where JSON cannot. */
class JsonArgumentCodecTest {

    enum Channel { WEB, SHOP }

    record Line(String sku, int quantity, BigDecimal price) implements Serializable {
    }

    /** A bean whose state JSON would not see (no getters): never recorded as JSON. */
    static final class Opaque implements Serializable {
        private final String secret;

        Opaque(String secret) {
            this.secret = secret;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Opaque other && other.secret.equals(secret);
        }

        @Override
        public int hashCode() {
            return secret.hashCode();
        }
    }

    private final JsonArgumentCodec codec = new JsonArgumentCodec();

    @SuppressWarnings("unused")
    public void order(String id, long amount, Channel channel, List<Line> lines, Map<String, Integer> counts,
                      Instant at, int[] slots) {
    }

    @SuppressWarnings("unused")
    public void opaque(Opaque thing, int n) {
    }

    @SuppressWarnings("unused")
    public void lines(List<Line> lines) {
    }

    private static Method method(String name) {
        for (Method m : JsonArgumentCodecTest.class.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void valuesRecordsAndCollectionsRoundTripAsAJsonArrayOfTheDeclaredTypes() {
        Method order = method("order");
        Object[] args = {"o-1", 42L, Channel.SHOP, List.of(new Line("sku-1", 2, new BigDecimal("9.90"))),
                Map.of("a", 1), Instant.parse("2026-11-29T11:00:00.123456789Z"), new int[] {1, 2}};

        String encoded = codec.encode(order, args);

        assertTrue(encoded.startsWith("[\"o-1\",42,\"SHOP\",[{\"sku\":\"sku-1\""), encoded);
        assertArrayEquals(args, codec.decode(order, encoded));
    }

    @Test
    void theEncodedTextIsTakenBeforeTheTryCanChangeItsArguments() {
        Method lines = method("lines");
        List<Line> mutable = new ArrayList<>(List.of(new Line("sku-1", 1, BigDecimal.ONE)));
        String encoded = codec.encode(lines, new Object[] {mutable});

        mutable.add(new Line("sku-2", 5, BigDecimal.TEN)); // what a try method might do to its argument

        assertEquals(List.of(new Line("sku-1", 1, BigDecimal.ONE)), codec.decode(lines, encoded)[0]);
    }

    @Test
    void aParameterTypeJsonCannotRoundTripIsRecordedByJavaSerialization() {
        Method opaque = method("opaque");
        Object[] args = {new Opaque("s"), 3};

        String encoded = codec.encode(opaque, args);

        assertFalse(encoded.startsWith("["), encoded);
        assertArrayEquals(args, codec.decode(opaque, encoded));
    }

    @Test
    void rowsJavaSerializationWroteStillDecode() {
        Method order = method("order");
        Object[] args = {"o-1", 42L, Channel.WEB, List.of(), Map.of(), Instant.EPOCH, new int[0]};

        String old = new JavaSerializationCodec().encode(order, args);

        assertArrayEquals(args, codec.decode(order, old));
    }

    @Test
    void aRecordThatIsNotTheDeclaredArgumentsIsACodecErrorNamingTheMethod() {
        Method lines = method("lines");
        for (String tampered : new String[] {"[[{\"sku\":\"a\",\"quantity\":1,\"price\":1,\"admin\":true}]]",
                "[[{\"sku\":\"a\",\"quantity\":1.5,\"price\":1}]]", "[[]", "[[],[]]", "{}"}) {
            ArgumentCodecException e = assertThrows(ArgumentCodecException.class, () -> codec.decode(lines, tampered),
                    tampered);
            assertTrue(e.getMessage().contains("JsonArgumentCodecTest.lines"), e.getMessage());
        }
    }
}
