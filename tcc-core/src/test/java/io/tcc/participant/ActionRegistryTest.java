package io.tcc.participant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.context.BranchContext;

class ActionRegistryTest {

    public static class Wallet {
        @Try("debit")
        public String debit(String account, long cents) {
            return account;
        }

        @Confirm
        public String commit(String account, long cents, BranchContext context) {
            return "confirmed " + account + " " + cents + " in " + context.xid();
        }

        @Cancel
        public String release(BranchContext context) {
            return "cancelled " + context.branchId();
        }
    }

    public static class NoCancel {
        @Try("ship")
        public void ship(String parcel) {
        }

        @Confirm("ship")
        public void shipped(String parcel) {
        }
    }

    public static class WrongParameters {
        @Try("book")
        public void book(String room, int nights) {
        }

        @Confirm
        public void booked(int nights, String room) {
        }

        @Cancel
        public void unbook() {
        }
    }

    public static class OtherWallet {
        @Try("debit")
        public void debit(String account) {
        }

        @Confirm
        public void confirm() {
        }

        @Cancel
        public void cancel() {
        }
    }

    public static class PrivateTry {
        @Try("hidden")
        private void hidden() {
        }

        @Confirm
        public void confirm() {
        }

        @Cancel
        public void cancel() {
        }
    }

    public static class TwoActionsUnnamedConfirm {
        @Try("a")
        public void a() {
        }

        @Try("b")
        public void b() {
        }

        @Confirm("a")
        public void confirmA() {
        }

        @Confirm("b")
        public void confirmB() {
        }

        /** The one defect: every action has its confirm and cancel, so the message is about this method alone. */
        @Confirm
        public void confirm() {
        }

        @Cancel("a")
        public void cancelA() {
        }

        @Cancel("b")
        public void cancelB() {
        }
    }

    @Test
    void readsAnActionOnceAndReplaysTryArgumentsWithContext() throws Throwable {
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        Wallet wallet = new Wallet();
        List<ActionDescriptor> actions = registry.register(wallet, Wallet.class);

        assertEquals(1, actions.size());
        ActionDescriptor debit = registry.forAction("debit");
        assertEquals("debit", debit.action());
        BranchContext context = new BranchContext("x-1", "2", "debit", Instant.EPOCH);
        assertEquals("confirmed acc-9 250 in x-1", debit.confirm(new Object[] {"acc-9", 250L}, context));
        assertEquals("cancelled 2", debit.cancel(new Object[] {"acc-9", 250L}, context));
        assertEquals(debit, registry.forTryMethod(Wallet.class.getMethod("debit", String.class, long.class), wallet));
    }

    @Test
    void tryWithoutCancelFailsNamingClassAndMethod() {
        InvalidActionException e = assertThrows(InvalidActionException.class,
                () -> new ActionRegistry(Interception.ASPECTJ).register(new NoCancel(), NoCancel.class));
        assertTrue(e.getMessage().contains(NoCancel.class.getName() + ".ship()") && e.getMessage().contains("@Cancel"),
                e.getMessage());
    }

    @Test
    void confirmWithParametersOtherThanTheTrysFails() {
        InvalidActionException e = assertThrows(InvalidActionException.class,
                () -> new ActionRegistry(Interception.ASPECTJ).register(new WrongParameters(), WrongParameters.class));
        assertTrue(e.getMessage().contains(WrongParameters.class.getName() + ".booked()"), e.getMessage());
    }

    @Test
    void twoActionsWithOneNameFail() {
        ActionRegistry registry = new ActionRegistry(Interception.ASPECTJ);
        registry.register(new Wallet(), Wallet.class);
        InvalidActionException e = assertThrows(InvalidActionException.class,
                () -> registry.register(new OtherWallet(), OtherWallet.class));
        assertTrue(e.getMessage().contains("two actions are named 'debit'"), e.getMessage());
    }

    @Test
    void privateTryFailsInProxyModeAndIsAcceptedWhenWoven() {
        InvalidActionException e = assertThrows(InvalidActionException.class,
                () -> new ActionRegistry(Interception.PROXY).register(new PrivateTry(), PrivateTry.class));
        assertTrue(e.getMessage().contains("private") && e.getMessage().contains("AspectJ"), e.getMessage());
        assertEquals(1, new ActionRegistry(Interception.ASPECTJ).register(new PrivateTry(), PrivateTry.class).size());
    }

    @Test
    void unnamedConfirmOnABeanWithTwoActionsFails() {
        InvalidActionException e = assertThrows(InvalidActionException.class, () -> new ActionRegistry(Interception.ASPECTJ)
                .register(new TwoActionsUnnamedConfirm(), TwoActionsUnnamedConfirm.class));
        assertEquals("@Confirm on " + TwoActionsUnnamedConfirm.class.getName() + ".confirm() names no action, but its"
                + " class has 2 @Try methods: name the action", e.getMessage());
    }

    @Test
    void javaSerializationCodecRoundTripsArguments() throws Exception {
        JavaSerializationCodec codec = new JavaSerializationCodec();
        var method = Wallet.class.getMethod("debit", String.class, long.class);
        assertArrayEquals(new Object[] {"acc-1", 99L}, codec.decode(method, codec.encode(method, new Object[] {"acc-1", 99L})));
    }
}
