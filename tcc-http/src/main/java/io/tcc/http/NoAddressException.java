package io.tcc.http;

import java.io.IOException;

/**
 * A branch call had no address to go to (no base URL configured, or a row naming a group the application does not
 * declare): nothing left this process, and calling again cannot help until the configuration changes.
 */
final class NoAddressException extends IOException {

    NoAddressException(String message) {
        super(message);
    }
}
