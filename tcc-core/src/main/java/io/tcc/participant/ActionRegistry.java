package io.tcc.participant;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.tcc.BadInputException;
import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.Identifiers;

/**
 * Every TCC action of the application, read from {@link Try}, {@link Confirm} and {@link Cancel} once and checked
 * when registered, so mistakes fail at start-up with the class and method to fix.
 */
public final class ActionRegistry {

    private final Interception interception;
    private final Map<String, ActionDescriptor> byAction = new ConcurrentHashMap<>();
    private final Map<Method, ActionDescriptor> byTryMethod = new ConcurrentHashMap<>();

    public ActionRegistry(Interception interception) {
        this.interception = interception;
    }

    /** The mechanism that intercepts this application's {@link Try} methods. */
    public Interception interception() {
        return interception;
    }

    /** The names of the actions registered so far, in no particular order. */
    public Set<String> actions() {
        return Set.copyOf(byAction.keySet());
    }

    /** True when the class declares any TCC annotation (so a bean post-processor knows to register it). */
    public static boolean declaresActions(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Try.class) || m.isAnnotationPresent(Confirm.class) || m.isAnnotationPresent(Cancel.class)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Reads and checks the actions of {@code bean}, whose own class (not a proxy's) is {@code type}.
     *
     * @throws InvalidActionException naming the class and method of the first mistake found
     */
    public synchronized List<ActionDescriptor> register(Object bean, Class<?> type) {
        Map<String, Method> tries = new LinkedHashMap<>();
        List<Method> confirms = new ArrayList<>();
        List<Method> cancels = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                Try tryAnnotation = m.getAnnotation(Try.class);
                if (tryAnnotation != null) {
                    String action = actionName(tryAnnotation.value(), m);
                    checkInterceptable(m, type);
                    Method other = tries.putIfAbsent(action, m);
                    if (other != null) {
                        throw new InvalidActionException("two @Try methods name action '" + action + "': "
                                + describe(other) + " and " + describe(m));
                    }
                }
                if (m.isAnnotationPresent(Confirm.class)) {
                    confirms.add(m);
                }
                if (m.isAnnotationPresent(Cancel.class)) {
                    cancels.add(m);
                }
            }
        }
        List<ActionDescriptor> found = new ArrayList<>();
        for (Map.Entry<String, Method> entry : tries.entrySet()) {
            String action = entry.getKey();
            Method tryMethod = entry.getValue();
            Method confirm = phaseMethod(action, tryMethod, tries.size(), confirms, "@Confirm");
            Method cancel = phaseMethod(action, tryMethod, tries.size(), cancels, "@Cancel");
            found.add(new ActionDescriptor(action, bean, tryMethod, confirm, cancel));
        }
        checkOrphans(tries, confirms, "@Confirm");
        checkOrphans(tries, cancels, "@Cancel");
        for (ActionDescriptor descriptor : found) {
            ActionDescriptor existing = byAction.get(descriptor.action());
            if (existing != null && existing.tryMethod().getDeclaringClass() != descriptor.tryMethod().getDeclaringClass()) {
                throw new InvalidActionException("two actions are named '" + descriptor.action() + "': "
                        + describe(existing.tryMethod()) + " and " + describe(descriptor.tryMethod()));
            }
        }
        for (ActionDescriptor descriptor : found) {
            // the first instance registered keeps serving confirm and cancel: participant beans are stateless
            byAction.putIfAbsent(descriptor.action(), descriptor);
            byTryMethod.putIfAbsent(descriptor.tryMethod(), byAction.get(descriptor.action()));
        }
        return found;
    }

    /**
     * The action whose try {@code method} is; registers {@code target}'s class on first use, for objects no
     * container registered (AspectJ weaves those too).
     */
    public ActionDescriptor forTryMethod(Method method, Object target) {
        ActionDescriptor descriptor = byTryMethod.get(method);
        if (descriptor == null && target != null) {
            register(target, target.getClass());
            descriptor = byTryMethod.get(method);
        }
        if (descriptor == null) {
            throw new InvalidActionException(describe(method) + " is not a registered @Try method");
        }
        return descriptor;
    }

    /** The action of that name, as phase two and recovery find it from a branch row. */
    public ActionDescriptor forAction(String action) {
        ActionDescriptor descriptor = byAction.get(action);
        if (descriptor == null) {
            throw new BadInputException("no action named '" + action + "' is registered in this application");
        }
        return descriptor;
    }

    private static String actionName(String value, Method m) {
        try {
            return Identifiers.requireAction(value);
        } catch (BadInputException e) {
            throw new InvalidActionException("@Try on " + describe(m) + ": " + e.getMessage());
        }
    }

    private void checkInterceptable(Method m, Class<?> type) {
        if (Modifier.isStatic(m.getModifiers())) {
            throw new InvalidActionException("@Try method " + describe(m) + " is static; a try must be an instance method");
        }
        String why = interception.cannotIntercept(m, type);
        if (why != null) {
            throw new InvalidActionException("@Try method " + describe(m) + " is " + why
                    + ": a Spring AOP proxy cannot intercept it; make it public and overridable, or use AspectJ weaving"
                    + " (tcc.mode=aspectj, or @EnableTcc(mode = Interception.ASPECTJ))");
        }
    }

    private static Method phaseMethod(String action, Method tryMethod, int actionsOnBean, List<Method> candidates,
                                      String annotation) {
        Method found = null;
        for (Method m : candidates) {
            String named = annotation.equals("@Confirm") ? m.getAnnotation(Confirm.class).value() : m.getAnnotation(Cancel.class).value();
            if (named.equals(action) || (named.isEmpty() && actionsOnBean == 1)) {
                if (found != null) {
                    throw new InvalidActionException("action '" + action + "' has two " + annotation + " methods: "
                            + describe(found) + " and " + describe(m));
                }
                found = m;
            }
        }
        if (found == null) {
            throw new InvalidActionException("@Try(\"" + action + "\") on " + describe(tryMethod) + " has no "
                    + annotation + "(\"" + action + "\") method on " + tryMethod.getDeclaringClass().getName());
        }
        return found;
    }

    private static void checkOrphans(Map<String, Method> tries, List<Method> methods, String annotation) {
        for (Method m : methods) {
            String named = annotation.equals("@Confirm") ? m.getAnnotation(Confirm.class).value() : m.getAnnotation(Cancel.class).value();
            if (named.isEmpty() ? tries.size() != 1 : !tries.containsKey(named)) {
                throw new InvalidActionException(annotation + " on " + describe(m) + (named.isEmpty()
                        ? " names no action, but its class has " + tries.size() + " @Try methods: name the action"
                        : " names action '" + named + "', which no @Try method of its class declares"));
            }
        }
    }

    /** How start-up messages name a method: its class and name. */
    public static String describe(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName() + "()";
    }
}
