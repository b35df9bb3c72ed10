package io.tcc.demo.order;

import io.tcc.annotation.Try;
import io.tcc.http.RemoteParticipant;

/** The inventory service's try, as this service calls it; the framework registers the branch and signs the call. */
@RemoteParticipant("inventory")
public interface InventoryClient {

    /** Freezes stock for the order; a shortage is a definite rejection. */
    @Try("reserve-stock")
    String reserve(String orderId, String sku, int quantity);
}
