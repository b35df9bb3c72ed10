package io.tcc.spring.boot;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;

/** The application's own code: one participant, one initiator, nothing about TCC wiring. */
@Configuration(proxyBeanMethods = false)
class ShopBeans {

    public static class Stock {
        private final JdbcTemplate jdbc;

        public Stock(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Try("reserve")
        public void reserve(String sku) {
            jdbc.update("UPDATE stock SET available = available - 1, frozen = frozen + 1 WHERE sku = ?", sku);
        }

        @Confirm
        public void sell(String sku) {
            jdbc.update("UPDATE stock SET frozen = frozen - 1, sold = sold + 1 WHERE sku = ?", sku);
        }

        @Cancel
        public void release(String sku) {
            jdbc.update("UPDATE stock SET frozen = frozen - 1, available = available + 1 WHERE sku = ?", sku);
        }

        /** Calls its own @Try twice: two branches when woven, none through a proxy. */
        public void reserveTwice(String sku) {
            reserve(sku);
            reserve(sku);
        }
    }

    public static class Shop {
        private final Stock stock;

        public Shop(Stock stock) {
            this.stock = stock;
        }

        @GlobalTransaction
        public String buy(String sku) {
            stock.reserve(sku);
            return TransactionContext.current().xid();
        }

        @GlobalTransaction
        public String buyTwice(String sku) {
            stock.reserveTwice(sku);
            return TransactionContext.current().xid();
        }
    }

    @Bean
    Stock stock(JdbcTemplate jdbc) {
        return new Stock(jdbc);
    }

    @Bean
    Shop shop(Stock stock) {
        return new Shop(stock);
    }
}
