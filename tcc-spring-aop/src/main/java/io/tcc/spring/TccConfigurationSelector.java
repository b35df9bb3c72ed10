package io.tcc.spring;

import org.springframework.context.annotation.AdviceMode;
import org.springframework.context.annotation.AdviceModeImportSelector;
import org.springframework.context.annotation.AutoProxyRegistrar;

/** Picks the configuration for {@link EnableTcc#mode()}: one interception mechanism, never both. */
public class TccConfigurationSelector extends AdviceModeImportSelector<EnableTcc> {

    @Override
    protected String[] selectImports(AdviceMode adviceMode) {
        return switch (adviceMode) {
            case PROXY -> new String[] {AutoProxyRegistrar.class.getName(), TccProxyConfiguration.class.getName()};
            case ASPECTJ -> new String[] {TccAspectJConfiguration.class.getName()};
        };
    }
}
