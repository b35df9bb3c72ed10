package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;
import io.tcc.global.GlobalState;
import io.tcc.interception.TccTemplate;
import io.tcc.participant.InvalidActionException;
import io.tcc.test.Await;

/**
 * Issue 15, item 10: the initiator sees a participant's business refusal as a type of its own, apart from a participant
 * that could not be reached or did not answer, over real HTTP between two services; and a web service that lets it
 * escape answers 409, not 500.
 */
class BusinessRejectionIT extends TwoServices {

    /** The exception the order service's own code knows, with the (String) constructor the mapping needs. */
    public static class InsufficientStockException extends Exception {
        public InsufficientStockException(String message) {
            super(message);
        }
    }

    @RemoteParticipant("inventory")
    public interface CheckedInventoryClient {
        @Try("reserve-stock")
        String reserve(String sku, int quantity) throws InsufficientStockException;
    }

    public static class NoStringConstructor extends Exception {
    }

    @RemoteParticipant("inventory")
    public interface UnmappableClient {
        @Try("reserve-stock")
        String reserve(String sku, int quantity) throws NoStringConstructor;
    }

    @RemoteParticipant("inventory")
    public interface AmbiguousClient {
        @Try("reserve-stock")
        String reserve(String sku, int quantity) throws InsufficientStockException, java.io.IOException;
    }

    /** The 500 ms call timeout is for warm services: a cold first call may time out, and is then simply cancelled. */
    @BeforeEach
    void warmUp() {
        OrderApp.InventoryClient inventoryClient = order.getBean(OrderApp.InventoryClient.class);
        Await.until("a first order through warm services", Duration.ofSeconds(60), () -> {
            try {
                order.getBean(TccTemplate.class).execute("warm-up", Duration.ofSeconds(2), () -> inventoryClient.reserve(sku, 0));
                return true;
            } catch (RemoteBranchException coldTimeout) {
                return false;
            }
        });
    }

    @Test
    void aBusinessRefusalArrivesAsARemoteBusinessRejectionInTheParticipantsWords() {
        RemoteBusinessRejection e = assertThrows(RemoteBusinessRejection.class, () -> orders().place(sku, 99));

        assertEquals("BUSINESS", e.reason());
        assertEquals("not enough stock of " + sku, e.participantMessage());
        assertEquals("inventory", e.participant());
        assertEquals("reserve-stock", e.action());
        assertEquals(Outcome.DEFINITE_FAILURE, e.result().outcome());
        assertEquals(GlobalState.CANCELLED, coordinator().log().find(orders().lastXid()).orElseThrow().state());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku));
    }

    @Test
    void aParticipantThatCannotBeReachedIsNoBusinessRejection() {
        OrderApp.InventoryClient down = order.getBean(RemoteParticipants.class)
                .create(OrderApp.InventoryClient.class, "http://127.0.0.1:9");
        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> order.getBean(TccTemplate.class)
                .execute("down", Duration.ofSeconds(10), () -> down.reserve(sku, 1)));

        assertFalse(e instanceof RemoteBusinessRejection, e.toString());
        assertEquals(Outcome.DEFINITE_FAILURE, e.result().outcome());
    }

    @Test
    void aMethodThatDeclaresItsOwnExceptionGetsTheRefusalAsThatTypeWithTheRejectionAsItsCause() {
        CheckedInventoryClient inventory = order.getBean(RemoteParticipants.class)
                .create(CheckedInventoryClient.class, inventoryUrl);
        AtomicReference<String> xid = new AtomicReference<>();

        InsufficientStockException e = assertThrows(InsufficientStockException.class, () -> order.getBean(TccTemplate.class)
                .execute("checked", Duration.ofSeconds(10), () -> {
                    xid.set(TransactionContext.currentXid().orElseThrow());
                    return inventory.reserve(sku, 99);
                }));

        assertEquals("not enough stock of " + sku, e.getMessage());
        RemoteBusinessRejection cause = assertInstanceOf(RemoteBusinessRejection.class, e.getCause());
        assertEquals("inventory", cause.participant());
        assertEquals(GlobalState.CANCELLED, coordinator().log().find(xid.get()).orElseThrow().state());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku));
        assertEquals("reserved 2", assertDoesNotThrowReserve(inventory, 2), "a success is unchanged");
    }

    private String assertDoesNotThrowReserve(CheckedInventoryClient inventory, int quantity) {
        try {
            return order.getBean(TccTemplate.class).execute("checked", Duration.ofSeconds(10),
                    () -> inventory.reserve(sku, quantity));
        } catch (Exception e) {
            throw new AssertionError("the reservation of " + quantity + " failed", e);
        }
    }

    @Test
    void aDeclarationThatCannotCarryTheRefusalFailsWhenTheClientIsMade() {
        RemoteParticipants participants = order.getBean(RemoteParticipants.class);

        InvalidActionException noConstructor = assertThrows(InvalidActionException.class,
                () -> participants.create(UnmappableClient.class, inventoryUrl));
        assertTrue(noConstructor.getMessage().contains("no public (String) constructor"), noConstructor.getMessage());
        InvalidActionException two = assertThrows(InvalidActionException.class,
                () -> participants.create(AmbiguousClient.class, inventoryUrl));
        assertTrue(two.getMessage().contains("declare at most one"), two.getMessage());
    }

    /** A web front whose handler lets the rejection escape, as a default Spring MVC application would. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    public static class WebFront {

        /** A member component of this configuration: registered with it. */
        @RestController
        public static class Reservations {
            private final TccTemplate template;
            private final OrderApp.InventoryClient inventory;

            public Reservations(TccTemplate template, OrderApp.InventoryClient inventory) {
                this.template = template;
                this.inventory = inventory;
            }

            @PostMapping("/reserve/{sku}/{quantity}")
            public String reserve(@PathVariable String sku, @PathVariable int quantity) throws Exception {
                return template.execute("web", Duration.ofSeconds(10), () -> inventory.reserve(sku, quantity));
            }
        }

        @Bean
        OrderApp.InventoryClient inventoryClient(RemoteParticipants participants, @Value("${inventory.url}") String url) {
            return participants.create(OrderApp.InventoryClient.class, url);
        }
    }

    @Test
    void aDefaultSpringMvcApplicationAnswersAnEscapedRejection409() throws Exception {
        ConfigurableApplicationContext web = start(WebFront.class, orderData, "web-front", "inventory.url=" + inventoryUrl,
                "tcc.http.signing.secret=" + InventoryApp.SECRET,
                "tcc.http.remote.participants.inventory.call-timeout=10s"); // this service's first call is a cold one
        try {
            String url = "http://127.0.0.1:" + web.getEnvironment().getProperty("local.server.port") + "/reserve/" + sku;
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(url + "/99"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(409, refused.statusCode(), refused.body());
            HttpResponse<String> reserved = http.send(HttpRequest.newBuilder(URI.create(url + "/1"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, reserved.statusCode(), reserved.body());
        } finally {
            web.close();
        }
    }
}
