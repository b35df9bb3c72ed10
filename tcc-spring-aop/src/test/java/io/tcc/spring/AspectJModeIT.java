package io.tcc.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

import io.tcc.context.TransactionContext;
import io.tcc.global.BranchRecord;
import io.tcc.global.BranchState;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;
import io.tcc.interception.TccTemplate;
import io.tcc.participant.ActionRegistry;

/** The contract through AspectJ compile-time weaving ({@code @EnableTcc(mode = Interception.ASPECTJ)}). */
class AspectJModeIT extends TccContractTests {

    @Override
    Class<?> application() {
        return TestApplication.Woven.class;
    }

    @Override
    boolean interceptsSelfInvocation() {
        return true;
    }

    @Test
    void aPrivateTryIsAcceptedBecauseWeavingInterceptsIt() throws Exception {
        try (var context = start(TestApplication.Woven.class, InvalidParticipants.PrivateTry.class)) {
            assertEquals("hold", context.getBean(ActionRegistry.class).forAction("private-try").tryMethod().getName());
            InvalidParticipants.PrivateTry participant = context.getBean(InvalidParticipants.PrivateTry.class);

            // the class's own public method calls the private try: the woven call becomes a branch, and is confirmed
            String xid = context.getBean(TccTemplate.class).execute("private-try", Duration.ofSeconds(10), () -> {
                participant.holdSelf();
                return TransactionContext.current().xid();
            });

            Coordinator coordinator = context.getBean(Coordinator.class);
            List<BranchRecord> branches = coordinator.log().branches(xid);
            assertEquals(List.of("private-try"), branches.stream().map(BranchRecord::action).toList());
            assertEquals(BranchState.CONFIRMED, branches.get(0).state());
            assertEquals(GlobalState.CONFIRMED, coordinator.log().find(xid).orElseThrow().state());
        }
    }

    @Test
    void privateAndFinalMethodsAreAcceptedBecauseWeavingInterceptsThem() {
        try (var context = start(TestApplication.Woven.class, InvalidParticipants.FinalTry.class,
                InvalidParticipants.PrivateGlobalTransaction.class, InvalidParticipants.FinalGlobalTransaction.class)) {
            assertEquals(1, context.getBeansOfType(InvalidParticipants.FinalTry.class).size());
        }
    }

    @Test
    void unwovenClassesStopStartUpNamingEachClassAndTheFix() throws Exception {
        // compiled by javac alone: a build that forgot ajc
        Class<?> participant = Class.forName("io.tcc.spring.unwoven.UnwovenBeans$Participant");
        Class<?> initiator = Class.forName("io.tcc.spring.unwoven.UnwovenBeans$Initiator");

        UnwovenClassException e = assertThrows(UnwovenClassException.class,
                () -> start(TestApplication.Woven.class, participant, initiator).close());

        assertEquals(List.of(participant, initiator), e.classes(), "every unwoven class, and only those");
        assertTrue(e.getMessage().contains(participant.getName() + " (hold)"), e.getMessage());
        assertTrue(e.getMessage().contains(initiator.getName() + " (place)"), e.getMessage());
        assertTrue(e.getMessage().contains("io.tcc:tcc-spring-aop as an <aspectLibrary>"), e.getMessage());
        assertTrue(e.getMessage().contains("tcc.mode=proxy"), e.getMessage());
    }

    @Test
    void objectsSpringDoesNotCreateAreInterceptedToo() {
        ApplicationContext context = contextForTests();
        String xid = context.getBean(OrderService.class).placeWithPlainObject(sku());

        Coordinator coordinator = context.getBean(Coordinator.class);
        assertEquals(1, coordinator.log().branches(xid).size());
        assertEquals(GlobalState.CONFIRMED, coordinator.log().find(xid).orElseThrow().state());
    }
}
