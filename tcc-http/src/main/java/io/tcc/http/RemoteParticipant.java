package io.tcc.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a remote participant once, as an interface whose methods are its tries:
 * <pre>{@code
 * @RemoteParticipant("inventory")
 * public interface InventoryClient {
 *     @Try("reserve-stock")
 *     String reserve(String sku, int quantity);
 * }
 * }</pre>
 * {@link RemoteParticipants#create} turns it into a client. Called inside a global transaction, each method registers
 * a branch (participant name, action, base URL), signs and sends the try, and classifies the answer; confirm and cancel
 * are the framework's business, reached later from the branch row alone.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RemoteParticipant {

    /** The participant's name, as branch rows and metrics carry it. */
    String value();
}
