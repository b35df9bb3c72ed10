package io.tcc.explorer;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

import io.tcc.participant.ArgumentCodec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records try arguments as readable JSON text, as an application with Jackson would: what a try carries (NUL
 * characters, non-ASCII text) then reaches the fence's text column unchanged.
 */
final class JsonCodec implements ArgumentCodec {

    private final JsonMapper json = JsonMapper.builder().build();

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
