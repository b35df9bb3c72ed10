package io.tcc.demo.order;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The body of {@code POST /orders}, checked field by field before anything is written. */
public record OrderRequest(String user, String sku, int quantity) {

    public static final int MAX_QUANTITY = 1000;
    private static final int MAX_BODY_CHARS = 4096;
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
    private static final Set<String> FIELDS = Set.of("user", "sku", "quantity");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Malformed input; the message says which field and what it must look like. */
    public static class InvalidOrderException extends RuntimeException {
        public InvalidOrderException(String message) {
            super(message);
        }
    }

    /** The body as text, reading at most one character past the limit: a huge body is refused, never held. */
    static String readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY_CHARS * 4 + 1);
        String body = new String(bytes, StandardCharsets.UTF_8);
        if (bytes.length > MAX_BODY_CHARS * 4 || body.length() > MAX_BODY_CHARS) {
            throw invalid("the body is longer than " + MAX_BODY_CHARS + " characters; at most " + MAX_BODY_CHARS + " are read");
        }
        return body;
    }

    public static OrderRequest parse(String body) {
        if (body == null || body.isBlank()) {
            throw invalid("the body must be a JSON object: {\"user\": ..., \"sku\": ..., \"quantity\": ...}");
        }
        if (body.length() > MAX_BODY_CHARS) {
            throw invalid("the body is " + body.length() + " characters long; at most " + MAX_BODY_CHARS + " are read");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JacksonException e) {
            throw invalid("the body is not JSON: " + printable(e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) {
            throw invalid("the body must be a JSON object: {\"user\": ..., \"sku\": ..., \"quantity\": ...}");
        }
        for (String field : node.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw invalid("unknown field '" + printable(field) + "'; an order has user, sku and quantity");
            }
        }
        String user = text(node, "user", USER, "1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
        String sku = text(node, "sku", SKU, "1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit");
        JsonNode quantity = node.get("quantity");
        if (quantity == null || quantity.isNull()) {
            throw invalid("quantity is required");
        }
        if (!quantity.isIntegralNumber() || !quantity.canConvertToInt() || quantity.asInt() < 1 || quantity.asInt() > MAX_QUANTITY) {
            throw invalid("quantity must be a whole number from 1 to " + MAX_QUANTITY + ", was " + printable(quantity.toString()));
        }
        return new OrderRequest(user, sku, quantity.asInt());
    }

    private static String text(JsonNode node, String field, Pattern pattern, String shape) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || (value.isString() && value.asString().isBlank())) {
            throw invalid(field + " is required");
        }
        if (!value.isString() || !pattern.matcher(value.asString()).matches()) {
            throw invalid(field + " must be " + shape + ", was " + printable(value.toString()));
        }
        return value.asString();
    }

    private static InvalidOrderException invalid(String message) {
        return new InvalidOrderException(message);
    }

    /** Echoes input shortened and without control characters, so an error cannot forge a log line. */
    static String printable(String input) {
        String cut = input.length() > 40 ? input.substring(0, 40) + "..." : input;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
