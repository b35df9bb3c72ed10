package io.tcc;

import java.time.Duration;
import java.util.Objects;

/**
 * The checks every configuration builder applies to a value, with one message shape that names the value by its
 * property key, so a wrong setting says which line of the configuration to change.
 */
public final class Settings {

    private Settings() {
    }

    public static Duration positive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, was " + value);
        }
        return value;
    }

    public static Duration notNegative(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, was " + value);
        }
        return value;
    }

    public static int between(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }
}
