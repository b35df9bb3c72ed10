package io.tcc.explorer;

import java.util.List;

import io.tcc.annotation.Try;
import io.tcc.http.RemoteParticipant;

/**
 * The remote shop's client, once per worker under a participant name of its own: QA's fault rules are scoped by
 * participant, so a rule armed for one worker's slot hits that worker's transaction and no other.
 */
final class RemoteSlots {

    private RemoteSlots() {
    }

    interface RemoteShop {
        @Try(Shop.ACTION)
        String reserve(String xid, int branch, String sku, int quantity, String plan, long deadlineMs, String note);
    }

    @RemoteParticipant("remote-0") interface Slot0 extends RemoteShop { }
    @RemoteParticipant("remote-1") interface Slot1 extends RemoteShop { }
    @RemoteParticipant("remote-2") interface Slot2 extends RemoteShop { }
    @RemoteParticipant("remote-3") interface Slot3 extends RemoteShop { }
    @RemoteParticipant("remote-4") interface Slot4 extends RemoteShop { }
    @RemoteParticipant("remote-5") interface Slot5 extends RemoteShop { }
    @RemoteParticipant("remote-6") interface Slot6 extends RemoteShop { }
    @RemoteParticipant("remote-7") interface Slot7 extends RemoteShop { }
    @RemoteParticipant("remote-8") interface Slot8 extends RemoteShop { }
    @RemoteParticipant("remote-9") interface Slot9 extends RemoteShop { }
    @RemoteParticipant("remote-10") interface Slot10 extends RemoteShop { }
    @RemoteParticipant("remote-11") interface Slot11 extends RemoteShop { }
    @RemoteParticipant("remote-12") interface Slot12 extends RemoteShop { }
    @RemoteParticipant("remote-13") interface Slot13 extends RemoteShop { }
    @RemoteParticipant("remote-14") interface Slot14 extends RemoteShop { }
    @RemoteParticipant("remote-15") interface Slot15 extends RemoteShop { }

    /** One per worker; the run has as many workers as slots. */
    static final List<Class<? extends RemoteShop>> SLOTS = List.of(Slot0.class, Slot1.class, Slot2.class, Slot3.class,
            Slot4.class, Slot5.class, Slot6.class, Slot7.class, Slot8.class, Slot9.class, Slot10.class, Slot11.class,
            Slot12.class, Slot13.class, Slot14.class, Slot15.class);

    static String name(int slot) {
        return "remote-" + slot;
    }
}
