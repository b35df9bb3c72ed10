package io.tcc.spring.boot;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * A {@code tcc.*} setting out of range (a timing, a retention, an interval...): the framework's configuration builders
 * refuse it with a message that starts with the property key ({@code io.tcc.Settings}); this prints that message and
 * the key to change, instead of the bean creation errors around it.
 */
public class TccSettingFailureAnalyzer extends AbstractFailureAnalyzer<IllegalArgumentException> {

    private static final Pattern KEY = Pattern.compile("^(tcc\\.[A-Za-z0-9.\\-\\[\\]]+)\\s");

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, IllegalArgumentException cause) {
        Matcher key = cause.getMessage() == null ? null : KEY.matcher(cause.getMessage());
        if (key == null || !key.find()) {
            return null;
        }
        return new FailureAnalysis("Invalid TCC setting: " + cause.getMessage(), "Change " + key.group(1)
                + " in the application's configuration (application.properties or .yaml, or the environment);"
                + " docs/getting-started.md and docs/operations.md list each setting with its default", cause);
    }
}
