package io.tcc.demo.order;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import io.tcc.http.EnableRemoteParticipants;

/**
 * The order service: the initiator. Each {@code POST /orders} is one global transaction ({@link OrderService}) with a
 * local branch (the order row) and a remote one (the stock, through {@link InventoryClient}, the HTTP service group
 * {@code inventory} at {@code spring.http.serviceclient.inventory.base-url}). Recovery runs in-app. Compiled by ajc with
 * {@code tcc-spring-aop} woven in, and run with {@code tcc.mode=aspectj}.
 */
@SpringBootApplication
@EnableRemoteParticipants
public class OrderApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrderApplication.class, args);
    }
}
