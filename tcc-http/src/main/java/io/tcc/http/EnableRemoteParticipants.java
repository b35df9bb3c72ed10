package io.tcc.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * Makes a bean of every {@link RemoteParticipant} interface in the given packages (by default the package of the
 * annotated class and below) or listed in {@link #clients()}, the way {@code @ImportHttpServices} does for HTTP
 * interfaces: each participant becomes an HTTP service group of its name in Spring's registry, so under Spring Boot
 * its client is configured like any other, by {@code spring.http.serviceclient.<participant>.*} (base-url,
 * connect-timeout, read-timeout, ssl.bundle, default-header...), {@code RestClientCustomizer} beans, observation, and
 * group configurers ({@code RestClientHttpServiceGroupConfigurer}), a load balancer's included.
 * <pre>{@code
 * @SpringBootApplication
 * @EnableRemoteParticipants
 * class OrderApplication { }
 *
 * // application.properties: spring.http.serviceclient.inventory.base-url=http://inventory:8081
 * }</pre>
 * Each branch row then stores the logical address {@code serviceclient:<participant>} ({@link ParticipantAddress}),
 * which phase two and recovery resolve through the group's configuration as it is when they run. Needs a
 * {@link RemoteParticipants} bean (Boot's {@code TccHttpAutoConfiguration} makes one).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Import(RemoteParticipantsRegistrar.class)
public @interface EnableRemoteParticipants {

    /** Alias for {@link #basePackages()}. */
    @AliasFor("basePackages")
    String[] value() default {};

    /** Packages to scan for {@link RemoteParticipant} interfaces, subpackages included. */
    @AliasFor("value")
    String[] basePackages() default {};

    /** Classes whose packages are scanned, a type-safe {@link #basePackages()}. */
    Class<?>[] basePackageClasses() default {};

    /** {@link RemoteParticipant} interfaces to register besides those scanned; alone, nothing is scanned. */
    Class<?>[] clients() default {};
}
