package io.tcc.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The check behind the framework's admin endpoints: {@code Authorization: Bearer <token>}, compared in constant time. */
public final class BearerToken {

    private final byte[] expected;

    /** @throws IllegalArgumentException naming {@code setting} when the token is missing or shorter than 16 characters */
    public BearerToken(String token, String setting) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException(setting + " must have at least 16 characters");
        }
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** True when the Authorization header carries the token. */
    public boolean accepts(String authorizationHeader) {
        return authorizationHeader != null
                && MessageDigest.isEqual(expected, authorizationHeader.getBytes(StandardCharsets.UTF_8));
    }
}
