package io.tcc.spring;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;

import io.tcc.TccSetupException;
import io.tcc.annotation.GlobalTransaction;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.InvalidActionException;

/**
 * Registers every bean that declares TCC actions while the context starts, and checks that the chosen interception
 * mode reaches every {@code @Try} and {@code @GlobalTransaction} method, so a mistaken declaration or build stops
 * start-up with what to fix. It sees each bean before any proxy wraps it: confirm and cancel run on the bean itself.
 *
 * <p>A method the mode would not reach would run as a plain call: a try outside the fence that nothing ever cancels,
 * a global transaction that never starts. With proxies, a method that is not public and overridable stops start-up
 * at once; in AspectJ mode, every class that was not woven is collected and start-up stops once all beans exist, with
 * one {@link UnwovenClassException} naming them all.
 *
 * <p>A {@code @GlobalTransaction} method that is also {@code @Transactional} (itself or through its class) stops
 * start-up too: the local transaction around it commits or rolls back on its own, whatever the global decision.
 */
public class ActionRegistrar implements BeanPostProcessor, SmartInitializingSingleton {

    private final ObjectProvider<ActionRegistry> registry;
    private final Map<Class<?>, List<Method>> unwoven = new LinkedHashMap<>();
    private volatile boolean globalTransactionsDeclared;

    public ActionRegistrar(ObjectProvider<ActionRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        Class<?> type = ClassUtils.getUserClass(bean);
        boolean actions = ActionRegistry.declaresActions(type);
        boolean globalTransactions = declaresGlobalTransactions(type);
        if (!actions && !globalTransactions) {
            return bean;
        }
        if (globalTransactions) {
            globalTransactionsDeclared = true;
            checkNotTransactional(type);
        }
        ActionRegistry actionRegistry = registry.getObject();
        if (actions) {
            actionRegistry.register(bean, type); // checks each @Try against the mode
        }
        switch (actionRegistry.interception()) {
            case PROXY -> checkProxiable(type);
            case ASPECTJ -> collectUnwoven(type);
        }
        return bean;
    }

    @Override
    public void afterSingletonsInstantiated() {
        synchronized (unwoven) {
            if (!unwoven.isEmpty()) {
                throw new UnwovenClassException(unwoven);
            }
        }
    }

    /** Whether a bean seen so far declares a {@code @GlobalTransaction} method: this service starts transactions. */
    public boolean globalTransactionsDeclared() {
        return globalTransactionsDeclared;
    }

    private static final List<String> TRANSACTIONAL = List.of("org.springframework.transaction.annotation.Transactional",
            "jakarta.transaction.Transactional");

    private static void checkNotTransactional(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (!m.isAnnotationPresent(GlobalTransaction.class)) {
                    continue;
                }
                String where = transactional(MergedAnnotations.from(m, SearchStrategy.TYPE_HIERARCHY)) ? "the method"
                        : transactional(MergedAnnotations.from(type, SearchStrategy.TYPE_HIERARCHY))
                        ? "its class " + type.getName() : null;
                if (where != null) {
                    throw new TccSetupException("@GlobalTransaction method " + ActionRegistry.describe(m)
                            + " is also @Transactional (on " + where + "): the local transaction around the global one"
                            + " commits or rolls back on its own, whatever the global decision, so the initiator's own"
                            + " writes could be lost while its branches confirm, or kept while they cancel",
                            "Remove @Transactional from " + ActionRegistry.describe(m) + (where.startsWith("its class")
                                    ? " by taking it off the class (or moving the method to a class without it)" : "")
                            + ". Put the initiator's own database writes in a @Try of this service (a local branch"
                            + " that confirms and cancels with the others), see docs/getting-started.md, step 4");
                }
            }
        }
    }

    private static boolean transactional(MergedAnnotations annotations) {
        return TRANSACTIONAL.stream().anyMatch(annotations::isPresent);
    }

    private static boolean declaresGlobalTransactions(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(GlobalTransaction.class)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void checkProxiable(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                String why = m.isAnnotationPresent(GlobalTransaction.class)
                        ? Interception.PROXY.cannotIntercept(m, type) : null;
                if (why != null) {
                    throw new InvalidActionException("@GlobalTransaction method " + ActionRegistry.describe(m) + " is "
                            + why + ": a Spring AOP proxy cannot intercept it, so it would run without a global transaction;"
                            + " make it public and overridable, or use AspectJ weaving (tcc.mode=aspectj, or"
                            + " @EnableTcc(mode = Interception.ASPECTJ))");
                }
            }
        }
    }

    /** Weaving happens where a method is declared: each class of the hierarchy is checked on its own. */
    private void collectUnwoven(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            List<Method> methods = Weaving.unwovenMethods(c);
            if (!methods.isEmpty()) {
                synchronized (unwoven) {
                    unwoven.putIfAbsent(c, methods);
                }
            }
        }
    }
}
