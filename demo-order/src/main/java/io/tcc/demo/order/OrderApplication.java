package io.tcc.demo.order;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import io.tcc.http.RemoteParticipants;

/**
 * The order service: the initiator. Each {@code POST /orders} is one global transaction ({@link OrderService}) with a
 * local branch (the order row) and a remote one (the stock, at {@code inventory.url}). Recovery runs in-app. Compiled
 * by ajc with {@code tcc-spring-aop} woven in, and run with {@code tcc.mode=aspectj}.
 */
@SpringBootApplication
public class OrderApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrderApplication.class, args);
    }

    @Bean
    InventoryClient inventoryClient(RemoteParticipants participants, @Value("${inventory.url}") String url) {
        return participants.create(InventoryClient.class, url);
    }
}
