package io.tcc.demo.order;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.servlet.http.HttpServletRequest;

import io.tcc.TccException;
import io.tcc.annotation.PhaseTwoMode;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;
import io.tcc.global.PhaseTwoChoice;
import io.tcc.http.BranchResponse;
import io.tcc.http.RemoteBranchException;
import io.tcc.http.RemoteBusinessRejection;

/**
 * {@code POST /orders} places an order and answers 201 with its id, xid and state: CONFIRMED, or CANCELLED with the
 * reason (a shortage, a failed or unanswered try); {@code GET /orders/{id}} reads one. {@code POST /orders?phaseTwo=async}
 * answers as soon as the decision is durable, adding the decision (CONFIRM or CANCEL) and {@code "phaseTwo":"PENDING"}
 * (or COMPLETED, when the pool was busy and the request ran it); {@code GET /orders/{id}?awaitMillis=N} (at most
 * 30000) first awaits the transaction's completion, and adds where phase two stands. Malformed input answers 400
 * and writes nothing; every error is {@code {"status": ..., "reason": <stable code>, "message": <safe text>}}, the shape
 * the framework's endpoints and error pages answer.
 */
@RestController
public class OrderController {

    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Placed(String id, String xid, String state, String reason, String decision, String phaseTwo) {
    }

    /** An order read after awaiting its transaction: where its phase two stands then. */
    public record Awaited(String id, String user, String sku, int quantity, String state, String xid, String phaseTwo) {
    }

    /** The longest a GET may await a transaction's completion. */
    static final long MAX_AWAIT_MILLIS = 30_000;

    /** An error answer: {@code reason} is for programs, {@code message} for people. */
    public record Refused(String status, String reason, String message) {
    }

    private final OrderService orders;
    private final Coordinator coordinator;

    public OrderController(OrderService orders, Coordinator coordinator) {
        this.orders = orders;
        this.coordinator = coordinator;
    }

    // only JSON in and out: anything else is Spring's 415 or 406 before anything runs, answered as JSON by the
    // framework's error path
    @PostMapping(path = "/orders", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> place(HttpServletRequest http,
                                   @RequestParam(name = "phaseTwo", required = false) String phaseTwo) throws IOException {
        PhaseTwoMode mode = phaseTwoMode(phaseTwo);
        OrderRequest request = OrderRequest.parse(OrderRequest.readBounded(http.getInputStream()));
        String id = UUID.randomUUID().toString();
        String reason = null;
        PhaseTwoChoice.Outcome outcome;
        // the request's choice wins over placeOrder's default (synchronous)
        try (PhaseTwoChoice choice = PhaseTwoChoice.bind(mode)) {
            try {
                orders.placeOrder(id, request.user(), request.sku(), request.quantity());
            } catch (TccException cancelled) {
                reason = reason(cancelled);
            }
            outcome = mode == PhaseTwoMode.ASYNC ? choice.outcome() : null;
        }
        String why = reason;
        String decision = outcome == null ? null
                : outcome.decision().finalState() == GlobalState.CONFIRMED ? "CONFIRM" : "CANCEL";
        String pending = outcome == null ? null : outcome.phaseTwoPending() ? "PENDING" : "COMPLETED";
        return orders.find(id)
                .<ResponseEntity<?>>map(order -> ResponseEntity.created(URI.create("/orders/" + id))
                        .body(new Placed(id, order.xid(), order.state(), why, decision, pending)))
                .orElseGet(() -> ResponseEntity.status(503).body(new Refused("UNAVAILABLE", "NOT_PLACED",
                        "the order could not be placed (" + why + "); nothing was created: try again")));
    }

    @GetMapping(path = "/orders/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> get(@PathVariable String id,
                                 @RequestParam(name = "awaitMillis", required = false) String awaitMillis)
            throws InterruptedException {
        if (!ID.matcher(id).matches()) {
            return ResponseEntity.badRequest().body(new Refused("BAD_REQUEST", "INVALID_ORDER_ID", "'"
                    + OrderRequest.printable(id) + "' is not an order id: ids are lower-case UUIDs, as POST /orders answers them"));
        }
        Long await = awaitMillis(awaitMillis);
        var found = orders.find(id);
        if (found.isEmpty()) {
            return ResponseEntity.status(404).body(new Refused("NOT_FOUND", "NO_ORDER", "no order " + id));
        }
        if (await == null) {
            return ResponseEntity.ok(found.get());
        }
        GlobalState state = coordinator.awaitCompletion(found.get().xid(), Duration.ofMillis(await)).orElse(null);
        OrderService.Order order = orders.find(id).orElse(found.get());
        return ResponseEntity.ok(new Awaited(order.id(), order.user(), order.sku(), order.quantity(), order.state(),
                order.xid(), state == null || state.isFinished() ? "COMPLETED" : "PENDING"));
    }

    private static PhaseTwoMode phaseTwoMode(String phaseTwo) {
        if (phaseTwo == null || phaseTwo.equals("sync")) {
            return PhaseTwoMode.SYNC;
        }
        if (phaseTwo.equals("async")) {
            return PhaseTwoMode.ASYNC;
        }
        throw new OrderRequest.InvalidOrderException("phaseTwo is sync or async, not '" + OrderRequest.printable(phaseTwo)
                + "'");
    }

    private static Long awaitMillis(String awaitMillis) {
        if (awaitMillis == null) {
            return null;
        }
        if (!awaitMillis.matches("[0-9]{1,5}") || Long.parseLong(awaitMillis) > MAX_AWAIT_MILLIS) {
            throw new OrderRequest.InvalidOrderException("awaitMillis is a whole number of milliseconds from 0 to "
                    + MAX_AWAIT_MILLIS + ", not '" + OrderRequest.printable(awaitMillis) + "'");
        }
        return Long.parseLong(awaitMillis);
    }

    @ExceptionHandler(OrderRequest.InvalidOrderException.class)
    public ResponseEntity<Refused> invalid(OrderRequest.InvalidOrderException e) {
        // JSON whatever the request accepts: a refusal must reach the client
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_JSON)
                .body(new Refused("BAD_REQUEST", "INVALID_ORDER", e.getMessage()));
    }

    /**
     * What the customer is told: the inventory's own words for a business rejection; otherwise a stable, safe text by
     * kind (the details, with the xid, are in the services' logs).
     */
    private static String reason(TccException cancelled) {
        if (cancelled instanceof RemoteBusinessRejection refused) {
            return "inventory refused: " + refused.participantMessage();
        }
        if (cancelled instanceof RemoteBranchException remote) {
            BranchResponse response = remote.result().response();
            return switch (remote.result().outcome()) {
                case UNKNOWN -> "the inventory did not answer in time; the order is cancelled";
                default -> "the inventory could not take the order" + (response == null || response.reason() == null
                        ? "" : " (" + response.reason() + ")") + "; the order is cancelled";
            };
        }
        return "the order could not be completed (" + cancelled.getClass().getSimpleName() + "); it is cancelled";
    }
}
