package io.tcc.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;

/** The contract through AspectJ compile-time weaving ({@code @EnableTcc(mode = AdviceMode.ASPECTJ)}). */
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
    void aPrivateTryIsAcceptedBecauseWeavingInterceptsIt() {
        try (var context = start(TestApplication.Woven.class, InvalidParticipants.PrivateTry.class)) {
            assertEquals(1, context.getBeansOfType(InvalidParticipants.PrivateTry.class).size());
        }
    }

    @Test
    void objectsSpringDoesNotCreateAreInterceptedToo() {
        ApplicationContext context = contextForTests();
        String xid = context.getBean(OrderService.class).placeWithPlainObject(sku());

        Coordinator coordinator = context.getBean(Coordinator.class);
        assertEquals(1, coordinator.branches(xid).size());
        assertEquals(GlobalState.CONFIRMED, coordinator.find(xid).orElseThrow().state());
    }
}
