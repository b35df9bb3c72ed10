package io.tcc.demo.inventory;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.tcc.fence.FenceCounters;
import io.tcc.fence.FencePhase;

/** Reads the stock; only the fence changes it. Malformed input answers 400 with {@code {"error": ...}}. */
@RestController
public class StockController {

    /** What a SKU looks like here; anything else is refused before it reaches SQL. */
    public static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

    public record Stock(String sku, int available, int frozen, int sold) {
    }

    private static final RowMapper<Stock> STOCK = (rs, n) ->
            new Stock(rs.getString("sku"), rs.getInt("available"), rs.getInt("frozen"), rs.getInt("sold"));

    private final JdbcTemplate jdbc;
    private final FenceCounters counters;
    private final Instant started = Instant.now();

    public StockController(JdbcTemplate jdbc, FenceCounters counters) {
        this.jdbc = jdbc;
        this.counters = counters;
    }

    /** Every SKU in SKU order, at most {@code limit} (1 to 1000, default 100). */
    @GetMapping("/stock")
    public ResponseEntity<?> all(@RequestParam(defaultValue = "100") String limit) {
        if (!limit.matches("[0-9]{1,4}") || Integer.parseInt(limit) < 1 || Integer.parseInt(limit) > 1000) {
            return error(400, "limit must be a whole number from 1 to 1000, was '" + printable(limit) + "'");
        }
        List<Stock> stock = jdbc.query("SELECT sku, available, frozen, sold FROM stock ORDER BY sku LIMIT ?", STOCK,
                Integer.parseInt(limit));
        return ResponseEntity.ok(Map.of("stock", stock));
    }

    @GetMapping("/stock/{sku}")
    public ResponseEntity<?> one(@PathVariable String sku) {
        if (!SKU.matcher(sku).matches()) {
            return error(400, "'" + printable(sku) + "' is not a SKU: 1 to 32 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit");
        }
        List<Stock> found = jdbc.query("SELECT sku, available, frozen, sold FROM stock WHERE sku = ?", STOCK, sku);
        return found.isEmpty() ? error(404, "no SKU " + sku + " in stock; GET /stock lists them") : ResponseEntity.ok(found.get(0));
    }

    /** What this process's fence decided since it started: the refusals are nowhere else (a refusal records nothing). */
    @GetMapping("/fence")
    public Map<String, Object> fence() {
        Map<FencePhase, Long> executed = new EnumMap<>(FencePhase.class);
        Map<FencePhase, Long> duplicates = new EnumMap<>(FencePhase.class);
        for (FencePhase phase : FencePhase.values()) {
            executed.put(phase, counters.executed(phase));
            duplicates.put(phase, counters.duplicates(phase));
        }
        return Map.of("since", started.toString(), "executed", executed, "duplicates", duplicates,
                "emptyCancels", counters.emptyCancels(), "suspensionsRefused", counters.suspensionsRefused(),
                "lateTriesRefused", counters.lateTriesRefused(), "cleanedUpRepeats", counters.cleanedUpRepeats());
    }

    static ResponseEntity<Map<String, String>> error(int status, String message) {
        return ResponseEntity.status(status).body(Map.of("error", message));
    }

    /** Echoes input without control characters, so an error message cannot forge a log line. */
    static String printable(String input) {
        String cut = input.length() > 40 ? input.substring(0, 40) + "..." : input;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
