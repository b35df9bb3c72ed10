package io.tcc.spring;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
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
        assertRefused(InvalidParticipants.PrivateTry.class, "@Try", "hold()", "private");
    }

    @Test
    void aFinalTryStopsStartUpBecauseAProxyCannotInterceptIt() {
        assertRefused(InvalidParticipants.FinalTry.class, "@Try", "hold()", "final");
    }

    @Test
    void aPrivateGlobalTransactionStopsStartUpBecauseAProxyCannotInterceptIt() {
        assertRefused(InvalidParticipants.PrivateGlobalTransaction.class, "@GlobalTransaction", "place()", "private");
    }

    @Test
    void aFinalGlobalTransactionStopsStartUpBecauseAProxyCannotInterceptIt() {
        assertRefused(InvalidParticipants.FinalGlobalTransaction.class, "@GlobalTransaction", "place()", "final");
    }

    @Test
    void unwovenClassesAreFineWithProxiesWhichNeedNoWeaving() throws Exception {
        Class<?> participant = Class.forName("io.tcc.spring.unwoven.UnwovenBeans$Participant");
        try (var context = start(TestApplication.Proxies.class, participant)) {
            assertTrue(AopUtils.isAopProxy(context.getBean(participant)), "the unwoven participant is proxied");
        }
    }

    /** Start-up fails naming the method, why a proxy cannot reach it, and the way out. */
    private void assertRefused(Class<?> bean, String annotation, String method, String why) {
        BeanCreationException e = assertThrows(BeanCreationException.class,
                () -> start(TestApplication.Proxies.class, bean).close());
        Throwable cause = e.getMostSpecificCause();
        assertTrue(cause instanceof InvalidActionException, cause.toString());
        assertTrue(cause.getMessage().startsWith(annotation + " method " + bean.getName() + "." + method + " is " + why),
                cause.getMessage());
        assertTrue(cause.getMessage().contains("make it public and overridable, or use AspectJ weaving (tcc.mode=aspectj"),
                cause.getMessage());
    }
}
