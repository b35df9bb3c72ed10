package io.tcc.recovery.boot;

import java.lang.reflect.Method;
import java.util.Locale;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ReflectionUtils;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;

/**
 * Whether this service starts global transactions (an initiator: recovery needs its log and Quartz) or is only a
 * participant (its fence needs cleaning, nothing else), read from {@code tcc.recovery.role} or, when that is
 * {@code auto}, from the application's beans: a participant declares {@code @Try} actions but no
 * {@code @GlobalTransaction} method and no {@code @RemoteParticipant} client, and configures no
 * {@code tcc.http.remote.participants.*}. Decided once the application's bean definitions are registered, from their
 * types, without creating any bean.
 */
abstract class ServiceRole implements ConfigurationCondition {

    private static final String REMOTE_CLIENT = "io.tcc.http.RemoteParticipant";
    private static final String REMOTE_SETTINGS = "tcc.http.remote.participants";

    @Override
    public ConfigurationPhase getConfigurationPhase() {
        return ConfigurationPhase.REGISTER_BEAN;
    }

    static boolean participantOnly(ConditionContext context) {
        String role = context.getEnvironment().getProperty("tcc.recovery.role", "auto").trim().toUpperCase(Locale.ROOT);
        if (!role.equals(TccRecoveryProperties.Role.AUTO.name())) {
            return role.equals(TccRecoveryProperties.Role.PARTICIPANT.name());
        }
        if (remoteParticipantsConfigured(context)) {
            return false;
        }
        ConfigurableListableBeanFactory beans = context.getBeanFactory();
        boolean actions = false;
        for (String name : beans.getBeanDefinitionNames()) {
            Class<?> type = typeOf(beans, name);
            if (type == null) {
                continue;
            }
            if (MergedAnnotations.from(type, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY).isPresent(REMOTE_CLIENT)
                    || declares(type, GlobalTransaction.class)) {
                return false;
            }
            actions |= declares(type, Try.class);
        }
        return actions;
    }

    private static Class<?> typeOf(ConfigurableListableBeanFactory beans, String name) {
        try {
            return beans.getType(name, false);
        } catch (RuntimeException unresolvable) {
            return null;
        }
    }

    private static boolean declares(Class<?> type, Class<? extends java.lang.annotation.Annotation> annotation) {
        boolean[] found = {false};
        ReflectionUtils.doWithMethods(type, (Method m) -> found[0] = true, m -> m.isAnnotationPresent(annotation));
        return found[0];
    }

    private static boolean remoteParticipantsConfigured(ConditionContext context) {
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(context.getEnvironment())) {
            if (source instanceof IterableConfigurationPropertySource iterable
                    && iterable.stream().anyMatch(key -> key.toString().startsWith(REMOTE_SETTINGS + "."))) {
                return true;
            }
        }
        return false;
    }

    /** A service that starts global transactions, or may. */
    static final class Initiator extends ServiceRole {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !participantOnly(context);
        }
    }

    /** A service that only answers branch calls. */
    static final class ParticipantOnly extends ServiceRole {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return participantOnly(context);
        }
    }
}
