package io.tcc.http.boot;

import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * What TCC changes in an embedded Tomcat. {@link JsonErrorReportValve} goes on the host in place of every
 * {@link ErrorReportValve} (the one Spring Boot adds and the one the host would add when it starts), so Tomcat's own
 * errors are JSON; this runs after Boot's own customizer, so it sees Boot's valve to remove it. And
 * {@link DropUnreadBodies} goes on the engine, so a refused request's unread body is dropped with its connection.
 */
public final class TccOnTomcat implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

    @Override
    public void customize(ConfigurableTomcatWebServerFactory factory) {
        factory.addEngineValves(new DropUnreadBodies());
        factory.addContextCustomizers(context -> {
            Container host = context.getParent();
            Pipeline pipeline = host.getPipeline();
            for (Valve valve : pipeline.getValves()) {
                if (valve instanceof ErrorReportValve) {
                    pipeline.removeValve(valve);
                }
            }
            pipeline.addValve(new JsonErrorReportValve());
            if (host instanceof StandardHost standard) {
                // the host adds a valve of this class when it starts unless it finds one: it finds ours
                standard.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
        });
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
