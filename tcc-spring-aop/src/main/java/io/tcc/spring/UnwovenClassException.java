package io.tcc.spring;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.tcc.TccException;

/**
 * Start-up refused: AspectJ mode is on, but classes with {@code @Try} or {@code @GlobalTransaction} methods were not
 * woven by {@link TccAspect}. Their methods would run as plain calls: no global transaction, a try outside the fence
 * whose effects nothing would ever cancel. The message names every such class and method and how to fix the build.
 */
public class UnwovenClassException extends TccException {

    private final List<Class<?>> classes;

    public UnwovenClassException(Map<Class<?>, List<Method>> unwoven) {
        super("AspectJ mode (tcc.mode=aspectj, or @EnableTcc(mode = Interception.ASPECTJ)) is on, but "
                + unwoven.size() + " class(es) with @Try or @GlobalTransaction methods were not woven by "
                + TccAspect.class.getName() + ", so those methods would run as plain calls, outside any global"
                + " transaction and fence: " + unwoven.entrySet().stream()
                        .map(e -> e.getKey().getName() + " (" + e.getValue().stream().map(Method::getName).distinct()
                                .collect(Collectors.joining(", ")) + ")")
                        .collect(Collectors.joining("; "))
                + ". Compile them with ajc: the aspectj-maven-plugin with io.tcc:tcc-spring-aop as an <aspectLibrary>"
                + " (docs/getting-started.md), and make sure javac does not compile them again afterwards; or use"
                + " Spring AOP proxies instead: tcc.mode=proxy, or @EnableTcc(mode = Interception.PROXY).");
        this.classes = List.copyOf(unwoven.keySet());
    }

    /** The classes that were not woven. */
    public List<Class<?>> classes() {
        return classes;
    }
}
