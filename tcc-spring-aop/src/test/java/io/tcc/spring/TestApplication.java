package io.tcc.spring;

import javax.sql.DataSource;

import io.tcc.participant.Interception;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/** The application under test, once per interception mode; the DataSource is registered by the test. */
class TestApplication {

    @Configuration(proxyBeanMethods = false)
    static class Beans {
        @Bean
        DataSourceTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        JdbcTemplate jdbcTemplate(DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        InventoryParticipant inventory(JdbcTemplate jdbc) {
            return new InventoryParticipant(jdbc);
        }

        @Bean
        OrderService orders(InventoryParticipant inventory, JdbcTemplate jdbc) {
            return new OrderService(inventory, jdbc);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTcc
    static class Proxies extends Beans {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTcc(mode = Interception.ASPECTJ)
    static class Woven extends Beans {
    }
}
