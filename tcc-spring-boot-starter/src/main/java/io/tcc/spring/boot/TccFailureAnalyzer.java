package io.tcc.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.tcc.TccException;
import io.tcc.TccSetupException;
import io.tcc.participant.InvalidActionException;
import io.tcc.spring.UnwovenClassException;

/**
 * Prints a start-up the framework refused in Spring Boot's "APPLICATION FAILED TO START" form, with what is wrong and
 * what to do, instead of a stack of bean creation errors that hides it: a missing table, an unsupported version, a
 * missing secret, unreachable local branches, a {@code @Transactional} global transaction ({@link TccSetupException}),
 * and the declarations the interception cannot honour ({@link InvalidActionException}, {@link UnwovenClassException}).
 */
public class TccFailureAnalyzer extends AbstractFailureAnalyzer<TccException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TccException cause) {
        if (cause instanceof TccSetupException setup) {
            return new FailureAnalysis(setup.problem(), setup.action(), cause);
        }
        if (cause instanceof InvalidActionException || cause instanceof UnwovenClassException) {
            return new FailureAnalysis(cause.getMessage(), "Fix the declaration named above; docs/getting-started.md"
                    + " (\"Write a participant\" and \"Proxy or AspectJ?\") lists the rules start-up checks", cause);
        }
        return null;
    }
}
