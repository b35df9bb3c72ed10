package io.tcc.recovery.daemon;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;

import io.tcc.http.OrderApp;

/**
 * The order service of tcc-http's tests as a process of its own, with its in-app recovery on, for tests that kill it
 * with SIGKILL and start it again. Settings come as {@code --key=value} arguments. It prints {@link #STARTED} and the
 * epoch millisecond at which the application started, so a test can time what happens after.
 */
public final class InitiatorProcess {

    public static final String STARTED = "initiator started at epoch ms ";

    private InitiatorProcess() {
    }

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(OrderApp.class);
        app.setDefaultProperties(Map.of("spring.application.name", "orders", "spring.main.banner-mode", "off"));
        app.addListeners((ApplicationListener<ApplicationStartedEvent>) started ->
                System.out.println(STARTED + System.currentTimeMillis()));
        app.run(args);
    }
}
