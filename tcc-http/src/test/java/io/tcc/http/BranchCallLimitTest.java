package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.tcc.fence.FencePhase;

class BranchCallLimitTest {

    private static BranchCall call(String xid, FencePhase phase) {
        return new BranchCall(xid, "1", "reserve-stock", Instant.now().plusSeconds(60), phase);
    }

    @Test
    void aCallPastTheBoundIsAnsweredBusyAfterTheBusyWaitAndRunsNothing() throws Exception {
        BranchCallLimit gate = new BranchCallLimit(1, Duration.ofMillis(50));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> gate.run(call("a", FencePhase.CONFIRM), () -> {
            inside.countDown();
            await(release);
            return "ran";
        }, busy -> "busy"));
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        AtomicInteger ran = new AtomicInteger();

        String answer = gate.run(call("b", FencePhase.CONFIRM), () -> "ran " + ran.incrementAndGet(), busy -> "busy: " + busy);

        assertTrue(answer.startsWith("busy: 1 branch calls are running here already"), answer);
        assertEquals(0, ran.get());
        assertEquals(1, gate.refused());
        release.countDown();
        assertEquals("ran", holder.get(5, TimeUnit.SECONDS));
        assertEquals("ran 1", gate.run(call("b", FencePhase.CONFIRM), () -> "ran " + ran.incrementAndGet(), busy -> busy));
        assertEquals(0, gate.running());
    }

    @Test
    void theSameCallWhileItIsStillRunningIsBusyAtOnceButAnotherPhaseOfItsBranchIsNot() throws Exception {
        BranchCallLimit gate = new BranchCallLimit(10, Duration.ofSeconds(5));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> gate.run(call("a", FencePhase.TRY), () -> {
            inside.countDown();
            await(release);
            return "tried";
        }, busy -> "busy"));
        assertTrue(inside.await(5, TimeUnit.SECONDS));

        assertTrue(gate.run(call("a", FencePhase.TRY), () -> "tried again", busy -> "busy: " + busy)
                .contains("the same try is still running here"));
        assertEquals("cancelled", gate.run(call("a", FencePhase.CANCEL), () -> "cancelled", busy -> "busy"),
                "a cancel racing its try is the fence's to settle");
        release.countDown();
        assertEquals("tried", first.get(5, TimeUnit.SECONDS));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
