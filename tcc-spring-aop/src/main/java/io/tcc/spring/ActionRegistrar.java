package io.tcc.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;

import io.tcc.participant.ActionRegistry;

/**
 * Registers every bean that declares TCC actions while the context starts, so a mistaken declaration stops start-up
 * with the class and method to fix. It sees each bean before any proxy wraps it: confirm and cancel run on the bean
 * itself.
 */
public class ActionRegistrar implements BeanPostProcessor {

    private final ObjectProvider<ActionRegistry> registry;

    public ActionRegistrar(ObjectProvider<ActionRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        Class<?> type = ClassUtils.getUserClass(bean);
        if (ActionRegistry.declaresActions(type)) {
            registry.getObject().register(bean, type);
        }
        return bean;
    }
}
