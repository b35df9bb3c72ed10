package io.tcc.participant;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The codec that needs no library: Java serialization in Base64. Arguments must be {@link Serializable}. Decoding
 * accepts only JDK classes and the packages of the try method's parameter types, so a tampered row cannot
 * instantiate arbitrary classes. Applications with Jackson on the classpath get tcc-spring-aop's
 * {@code io.tcc.spring.JsonArgumentCodec} by default instead, which still reads rows this codec wrote.
 */
public final class JavaSerializationCodec implements ArgumentCodec {

    @Override
    public String encode(Method tryMethod, Object[] args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(args == null ? new Object[0] : args);
        } catch (IOException e) {
            throw new ArgumentCodecException("the arguments of " + tryMethod.getDeclaringClass().getName() + "."
                    + tryMethod.getName() + " cannot be recorded for confirm and cancel (" + e
                    + "); make them Serializable or configure another ArgumentCodec", e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    @Override
    public Object[] decode(Method tryMethod, String encoded) {
        if (encoded == null) {
            return new Object[tryMethod.getParameterCount()];
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(encoded)))) {
            in.setObjectInputFilter(filterFor(tryMethod));
            return (Object[]) in.readObject();
        } catch (IOException | ClassNotFoundException | IllegalArgumentException | ClassCastException e) {
            throw new ArgumentCodecException("the recorded arguments of " + tryMethod.getDeclaringClass().getName() + "."
                    + tryMethod.getName() + " cannot be read back (" + e + "): the row was changed, or the parameter"
                    + " types changed since the try; restore them, or resolve the transaction by hand", e);
        }
    }

    private static ObjectInputFilter filterFor(Method tryMethod) {
        Set<String> patterns = new LinkedHashSet<>();
        patterns.add("maxdepth=32");
        patterns.add("maxbytes=70000");
        patterns.add("java.base/*");
        for (Class<?> type : tryMethod.getParameterTypes()) {
            Class<?> element = type;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (!element.isPrimitive() && element.getPackage() != null) {
                patterns.add(element.getPackageName() + ".*");
            }
        }
        patterns.add("!*");
        return ObjectInputFilter.Config.createFilter(String.join(";", patterns));
    }
}
