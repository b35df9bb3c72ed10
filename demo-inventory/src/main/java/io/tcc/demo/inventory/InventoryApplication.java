package io.tcc.demo.inventory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The inventory service: a TCC participant. Its one action, {@code reserve-stock} ({@link StockReservation}), is served
 * by the framework at {@code POST /tcc/reserve-stock/{try|confirm|cancel}}; {@link StockController} reads the stock.
 * Needs {@code schema/mysql/fence.sql} and {@code db/inventory.sql} applied in its database.
 */
@SpringBootApplication
public class InventoryApplication {

    public static void main(String[] args) {
        SpringApplication.run(InventoryApplication.class, args);
    }
}
