package io.tcc.participant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** Encoding and decoding fail the same typed way, naming the try method and what to change. */
class JavaSerializationCodecTest {

    private final JavaSerializationCodec codec = new JavaSerializationCodec();

    @SuppressWarnings("unused")
    public void reserve(String sku, int quantity) {
    }

    @SuppressWarnings("unused")
    public void reserveAnything(Object thing) {
    }

    private Method method(String name) throws NoSuchMethodException {
        return name.equals("reserve") ? getClass().getMethod(name, String.class, int.class)
                : getClass().getMethod(name, Object.class);
    }

    @Test
    void argumentsRoundTrip() throws Exception {
        Method reserve = method("reserve");
        assertArrayEquals(new Object[] {"sku-1", 3}, codec.decode(reserve, codec.encode(reserve, new Object[] {"sku-1", 3})));
    }

    @Test
    void anArgumentThatCannotBeRecordedIsACodecErrorNamingTheMethod() throws Exception {
        ArgumentCodecException e = assertThrows(ArgumentCodecException.class,
                () -> codec.encode(method("reserveAnything"), new Object[] {new Object()}));
        assertTrue(e.getMessage().contains("reserveAnything") && e.getMessage().contains("Serializable"), e.getMessage());
    }

    @Test
    void aRecordThatCannotBeReadBackIsTheSameCodecError() throws Exception {
        Method reserve = method("reserve");
        String garbage = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
        ArgumentCodecException e = assertThrows(ArgumentCodecException.class, () -> codec.decode(reserve, garbage));
        assertTrue(e.getMessage().contains("reserve") && e.getMessage().contains("read back"), e.getMessage());
        assertThrows(ArgumentCodecException.class, () -> codec.decode(reserve, "not base64 at all!"));
    }
}
