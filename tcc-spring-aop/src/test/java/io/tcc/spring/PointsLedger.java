package io.tcc.spring;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;

/** A participant Spring never creates (made with new): only AspectJ weaving can intercept it. */
public class PointsLedger {

    private final JdbcTemplate jdbc;

    public PointsLedger(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Try("hold-points")
    public void hold(String sku) {
        jdbc.update("UPDATE stock SET available = available - 1, frozen = frozen + 1 WHERE sku = ?", sku);
    }

    @Confirm
    public void spend(String sku) {
        jdbc.update("UPDATE stock SET frozen = frozen - 1, sold = sold + 1 WHERE sku = ?", sku);
    }

    @Cancel
    public void unhold(String sku) {
        jdbc.update("UPDATE stock SET frozen = frozen - 1, available = available + 1 WHERE sku = ?", sku);
    }
}
