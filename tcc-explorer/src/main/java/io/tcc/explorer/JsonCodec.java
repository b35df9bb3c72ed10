package io.tcc.explorer;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

import io.tcc.participant.ArgumentCodec;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records try arguments as readable JSON text, as an application with Jackson would, except that NUL is written raw
 * (Jackson escapes it by default): what a try carries (NUL characters, non-ASCII text) then reaches the fence's text
 * column unchanged, where PostgreSQL must refuse it and MariaDB must give it back to confirm and cancel intact.
 */
final class JsonCodec implements ArgumentCodec {

    /** JSON's standard escapes, but NUL left as it is. */
    private static final class RawNul extends CharacterEscapes {
        private final int[] codes = standardAsciiEscapesForJSON();

        RawNul() {
            codes[0] = ESCAPE_NONE;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return codes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }

    private final JsonMapper json = JsonMapper.builder(JsonFactory.builder().characterEscapes(new RawNul())
            .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS).build()).build();

    @Override
    public String encode(Method tryMethod, Object[] args) {
        return json.writeValueAsString(args == null ? new Object[0] : args);
    }

    @Override
    public Object[] decode(Method tryMethod, String encoded) {
        Type[] types = tryMethod.getGenericParameterTypes();
        Object[] args = new Object[types.length];
        if (encoded == null) {
            return args;
        }
        JsonNode array = json.readTree(encoded);
        for (int i = 0; i < types.length; i++) {
            args[i] = json.treeToValue(array.get(i), json.getTypeFactory().constructType(types[i]));
        }
        return args;
    }
}
