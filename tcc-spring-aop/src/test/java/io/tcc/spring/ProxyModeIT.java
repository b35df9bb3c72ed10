package io.tcc.spring;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;

import io.tcc.participant.InvalidActionException;

/** The contract through Spring AOP proxies ({@code @EnableTcc}, the default mode). */
class ProxyModeIT extends TccContractTests {

    @Override
    Class<?> application() {
        return TestApplication.Proxies.class;
    }

    @Override
    boolean interceptsSelfInvocation() {
        return false;
    }

    @Test
    void aPrivateTryStopsStartUpBecauseAProxyCannotInterceptIt() {
        BeanCreationException e = assertThrows(BeanCreationException.class,
                () -> start(TestApplication.Proxies.class, InvalidParticipants.PrivateTry.class).close());
        assertTrue(e.getMostSpecificCause() instanceof InvalidActionException, e.getMostSpecificCause().toString());
        assertTrue(e.getMostSpecificCause().getMessage().contains("private"), e.getMostSpecificCause().getMessage());
    }
}
