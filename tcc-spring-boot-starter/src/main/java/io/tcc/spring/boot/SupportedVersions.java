package io.tcc.spring.boot;

import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.SpringVersion;
import org.springframework.util.ClassUtils;

import io.tcc.TccSetupException;

/**
 * Stops start-up on a Spring Boot, Spring Framework or Jackson generation the framework was not built for. Without it
 * a Boot 3 application starts cleanly with TCC silently off: Boot 3 does not match the auto-configuration's
 * conditions, so no global transaction starts and no try is fenced. Registered in {@code META-INF/spring.factories},
 * which every Boot generation reads, and written against types Boot 3 has too, so the check itself runs there.
 */
public final class SupportedVersions implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    static final int BOOT = 4;
    static final int SPRING = 7;
    private static final String JACKSON_3 = "tools.jackson.databind.json.JsonMapper";
    private static final String NEEDS_JACKSON = "io.tcc.http.RemoteParticipants";

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ClassLoader loader = event.getSpringApplication().getClassLoader();
        String problem = problem(SpringBootVersion.getVersion(), SpringVersion.getVersion(),
                ClassUtils.isPresent(NEEDS_JACKSON, loader) && !ClassUtils.isPresent(JACKSON_3, loader));
        if (problem != null) {
            throw new TccSetupException(problem, "Use Spring Boot " + BOOT + ".x, which brings Spring Framework "
                    + SPRING + ".x and Jackson 3 (tools.jackson); see the versions table in docs/getting-started.md."
                    + " Align an overridden spring-framework.version or jackson-bom.version with them");
        }
    }

    /**
     * What is unsupported, or null when everything is.
     *
     * @param boot            Spring Boot's version, or null when unknown (no jar manifest): not checked then
     * @param spring          Spring Framework's version, or null when unknown
     * @param jackson3Missing tcc-http is present but Jackson 3 is not
     */
    static String problem(String boot, String spring, boolean jackson3Missing) {
        if (boot != null && major(boot) != BOOT) {
            return "TCC needs Spring Boot " + BOOT + ".x (with Spring Framework " + SPRING + ".x), but found Spring Boot "
                    + boot + (spring == null ? "" : " with Spring Framework " + spring);
        }
        if (spring != null && major(spring) != SPRING) {
            return "TCC needs Spring Framework " + SPRING + ".x (Spring Boot " + BOOT + ".x), but found Spring Framework "
                    + spring + (boot == null ? "" : " under Spring Boot " + boot);
        }
        if (jackson3Missing) {
            return "tcc-http needs Jackson 3 (tools.jackson:jackson-databind, Spring Boot " + BOOT + "'s default), but it"
                    + " is not on the classpath";
        }
        return null;
    }

    private static int major(String version) {
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
