package io.tcc.participant;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

import io.tcc.context.BranchContext;

/**
 * One TCC action read from its annotations once: its three methods, the bean they run on, and how confirm's and
 * cancel's parameters are filled from the recorded try arguments and the branch context.
 */
public final class ActionDescriptor {

    /** In a parameter plan: this parameter receives the {@link BranchContext}. */
    private static final int CONTEXT = -1;

    private final String action;
    private final Object bean;
    private final Method tryMethod;
    private final Method confirmMethod;
    private final Method cancelMethod;
    private final int[] confirmPlan;
    private final int[] cancelPlan;

    ActionDescriptor(String action, Object bean, Method tryMethod, Method confirmMethod, Method cancelMethod) {
        this.action = action;
        this.bean = bean;
        this.tryMethod = tryMethod;
        this.confirmMethod = confirmMethod;
        this.cancelMethod = cancelMethod;
        this.confirmPlan = plan(tryMethod, confirmMethod, "@Confirm");
        this.cancelPlan = plan(tryMethod, cancelMethod, "@Cancel");
        for (Method m : new Method[] {tryMethod, confirmMethod, cancelMethod}) {
            m.setAccessible(true);
        }
    }

    /**
     * Confirm and cancel take the try's parameters in order, a BranchContext, both (the context anywhere), or nothing.
     */
    private static int[] plan(Method tryMethod, Method phaseMethod, String annotation) {
        Class<?>[] tried = tryMethod.getParameterTypes();
        Class<?>[] wanted = phaseMethod.getParameterTypes();
        int[] plan = new int[wanted.length];
        int next = 0;
        for (int i = 0; i < wanted.length; i++) {
            if (wanted[i] == BranchContext.class) {
                plan[i] = CONTEXT;
            } else if (next < tried.length && wanted[i] == tried[next]) {
                plan[i] = next++;
            } else {
                next = -1;
                break;
            }
        }
        if (next != 0 && next != tried.length) {
            throw new InvalidActionException(annotation + " method " + ActionRegistry.describe(phaseMethod)
                    + " must take the parameters of its @Try " + ActionRegistry.describe(tryMethod) + " "
                    + Arrays.toString(tried) + " in that order, a BranchContext, both, or nothing; it takes "
                    + Arrays.toString(wanted));
        }
        return plan;
    }

    public String action() {
        return action;
    }

    public Object bean() {
        return bean;
    }

    public Method tryMethod() {
        return tryMethod;
    }

    public Method confirmMethod() {
        return confirmMethod;
    }

    public Method cancelMethod() {
        return cancelMethod;
    }

    public Object confirm(Object[] tryArgs, BranchContext context) throws Throwable {
        return invoke(confirmMethod, confirmPlan, tryArgs, context);
    }

    public Object cancel(Object[] tryArgs, BranchContext context) throws Throwable {
        return invoke(cancelMethod, cancelPlan, tryArgs, context);
    }

    private Object invoke(Method method, int[] plan, Object[] tryArgs, BranchContext context) throws Throwable {
        Object[] args = new Object[plan.length];
        for (int i = 0; i < plan.length; i++) {
            args[i] = plan[i] == CONTEXT ? context : tryArgs[plan[i]];
        }
        try {
            return method.invoke(bean, args);
        } catch (InvocationTargetException e) {
            throw new BusinessMethodException(e.getCause()); // told apart from the framework's own failures
        }
    }

    @Override
    public String toString() {
        return "action '" + action + "' (" + ActionRegistry.describe(tryMethod) + ")";
    }
}
