package io.tcc.spring;

import java.util.Map;

import org.springframework.context.annotation.ImportSelector;
import org.springframework.core.type.AnnotationMetadata;

import io.tcc.participant.Interception;

/** Picks the configuration for {@link EnableTcc#mode()}: one interception mechanism, never both. */
public class TccConfigurationSelector implements ImportSelector {

    @Override
    public String[] selectImports(AnnotationMetadata metadata) {
        Map<String, Object> attributes = metadata.getAnnotationAttributes(EnableTcc.class.getName());
        Interception mode = attributes == null ? Interception.PROXY : (Interception) attributes.get("mode");
        return switch (mode) {
            case PROXY -> new String[] {TccProxyRegistrar.class.getName(), TccProxyConfiguration.class.getName()};
            case ASPECTJ -> new String[] {TccAspectJConfiguration.class.getName()};
        };
    }
}
