package io.tcc.spring;

import java.io.StringWriter;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tcc.participant.ArgumentCodec;
import io.tcc.participant.ArgumentCodecException;
import io.tcc.participant.JavaSerializationCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Try arguments as a JSON array, each argument written and read as the try method declares its parameter (no
 * polymorphic typing): decoding can instantiate only the declared types, as strictly as the participant endpoint
 * binds a body (no coercion, no unknown fields). Smaller and cheaper than Java serialization.
 *
 * <p>A method qualifies when JSON round-trips every parameter exactly: primitives and their boxes, strings, enums,
 * {@code BigDecimal}/{@code BigInteger}, {@code UUID}, {@code Instant}, {@code Local*} dates and times and
 * {@code Duration}, records of these, and arrays, lists,
 * sets and string-keyed maps of these. Any other parameter type (an interface, an abstract class, a bean whose state
 * JSON may not capture) makes the method use {@link JavaSerializationCodec}, logged once at its first try.
 * Decoding detects the format: rows written by Java serialization (Base64, never starting with {@code [}) still decode.
 * The default when Jackson is on the classpath.
 */
public final class JsonArgumentCodec implements ArgumentCodec {

    private static final Logger log = LoggerFactory.getLogger(JsonArgumentCodec.class);

    /** Written and read back equal; time values only where no zone or offset could be normalized on the way. */
    private static final Set<Class<?>> VALUES = Set.of(String.class, Boolean.class, Character.class, Byte.class,
            Short.class, Integer.class, Long.class, Float.class, Double.class, BigDecimal.class, BigInteger.class,
            UUID.class, Instant.class, LocalDate.class, LocalTime.class, LocalDateTime.class, Duration.class);

    /** How one try method's arguments are written and read; null readers and writers: Java serialization. */
    private record Plan(ObjectWriter[] writers, ObjectReader[] readers) {
        boolean json() {
            return writers != null;
        }
    }

    private final JsonMapper json;
    private final JavaSerializationCodec fallback = new JavaSerializationCodec();
    private final Map<Method, Plan> plans = new ConcurrentHashMap<>();

    public JsonArgumentCodec() {
        this(JsonMapper.builder().build());
    }

    /** @param json the application's mapper; its settings are kept, with strict binding on top */
    public JsonArgumentCodec(JsonMapper json) {
        this.json = json.rebuild()
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                // each argument is read from the one array, whose end decode checks itself
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    @Override
    public String encode(Method tryMethod, Object[] args) {
        Plan plan = plan(tryMethod);
        if (!plan.json()) {
            return fallback.encode(tryMethod, args);
        }
        Object[] values = args == null ? new Object[0] : args;
        StringWriter text = new StringWriter();
        try (JsonGenerator out = json.createGenerator(text)) {
            out.writeStartArray();
            for (int i = 0; i < values.length; i++) {
                plan.writers()[i].writeValue(out, values[i]);
            }
            out.writeEndArray();
        } catch (JacksonException e) {
            throw new ArgumentCodecException("the arguments of " + name(tryMethod) + " cannot be recorded as JSON for"
                    + " confirm and cancel (" + e.getOriginalMessage() + "); change them, or configure another"
                    + " ArgumentCodec bean", e);
        }
        return text.toString();
    }

    @Override
    public Object[] decode(Method tryMethod, String encoded) {
        if (encoded == null || !encoded.startsWith("[")) {
            return fallback.decode(tryMethod, encoded); // Java serialization: Base64, which never starts with '['
        }
        Plan plan = plan(tryMethod);
        Type[] types = tryMethod.getGenericParameterTypes();
        ObjectReader[] readers = plan.json() ? plan.readers() : readers(types);
        Object[] args = new Object[types.length];
        try (JsonParser in = json.createParser(encoded)) {
            expect(in.nextToken() == JsonToken.START_ARRAY, tryMethod);
            for (int i = 0; i < types.length; i++) {
                in.nextToken();
                args[i] = readers[i].readValue(in);
            }
            expect(in.nextToken() == JsonToken.END_ARRAY && in.nextToken() == null, tryMethod);
        } catch (JacksonException e) {
            throw new ArgumentCodecException("the recorded arguments of " + name(tryMethod) + " cannot be read back ("
                    + e.getOriginalMessage() + "): the row was changed, or the parameter types changed since the try;"
                    + " restore them, or resolve the transaction by hand", e);
        }
        return args;
    }

    private static void expect(boolean ok, Method tryMethod) {
        if (!ok) {
            throw new ArgumentCodecException("the recorded arguments of " + name(tryMethod) + " are not a JSON array of"
                    + " its " + tryMethod.getParameterCount() + " parameters: the row was changed, or the parameters"
                    + " changed since the try; restore them, or resolve the transaction by hand", null);
        }
    }

    private Plan plan(Method tryMethod) {
        return plans.computeIfAbsent(tryMethod, method -> {
            Type[] types = method.getGenericParameterTypes();
            for (Type type : types) {
                if (!roundTrips(type)) {
                    log.info("the arguments of {} are recorded by Java serialization: JSON cannot round-trip its"
                            + " parameter type {} exactly (only values, enums, records and collections of these)",
                            name(method), type.getTypeName());
                    return new Plan(null, null);
                }
            }
            ObjectWriter[] writers = new ObjectWriter[types.length];
            for (int i = 0; i < types.length; i++) {
                writers[i] = json.writerFor(javaType(types[i]));
            }
            return new Plan(writers, readers(types));
        });
    }

    private ObjectReader[] readers(Type[] types) {
        ObjectReader[] readers = new ObjectReader[types.length];
        for (int i = 0; i < types.length; i++) {
            readers[i] = json.readerFor(javaType(types[i]));
        }
        return readers;
    }

    private JavaType javaType(Type type) {
        return json.getTypeFactory().constructType(type);
    }

    /** True for the types whose every value JSON writes and reads back equal, with no type information. */
    static boolean roundTrips(Type type) {
        if (type instanceof Class<?> c) {
            if (c.isPrimitive() || VALUES.contains(c) || c.isEnum()) {
                return true;
            }
            if (c.isArray()) {
                return roundTrips(c.getComponentType());
            }
            if (c.isRecord()) {
                for (RecordComponent component : c.getRecordComponents()) {
                    if (!roundTrips(component.getGenericType())) {
                        return false;
                    }
                }
                return true;
            }
            return false;
        }
        if (type instanceof GenericArrayType array) {
            return roundTrips(array.getGenericComponentType());
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] arguments = p.getActualTypeArguments();
            if (raw == List.class || raw == Set.class || raw == Collection.class) {
                return roundTrips(arguments[0]);
            }
            if (raw == Map.class) {
                return arguments[0] == String.class && roundTrips(arguments[1]);
            }
        }
        return false;
    }

    private static String name(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName();
    }
}
