package io.tcc.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.tcc.BadInputException;
import io.tcc.fence.BranchKey;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the body of a batch strictly:
 * {@code {"entries":[{"xid":…,"branch":…,"action":…,"deadline":<epoch ms>,"args":[…]}…]}}, each entry checked by the
 * same rules as a call's headers ({@link BranchCall#parse}), no unknown fields, no branch twice; {@code args}, optional,
 * is what the call's body would be alone (the try's arguments as the try sent them). A malformed entry is named in the
 * refusal.
 */
final class BatchEntries {

    /** One entry: the call, and the try's arguments it carries (a JSON array), or null. */
    record Entry(BranchCall call, JsonNode args) {
    }

    /** More entries than the participant takes in one batch. */
    static final class TooManyException extends RuntimeException {
        TooManyException(String message) {
            super(message);
        }
    }

    private static final Map<String, String> FIELDS = Map.of(TccHeaders.XID, "xid", TccHeaders.BRANCH, "branch",
            TccHeaders.ACTION, "action", TccHeaders.DEADLINE, "deadline");
    private static final String ARGS = "args";

    private BatchEntries() {
    }

    static List<Entry> parse(JsonMapper json, byte[] body, String phase, int maxEntries) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new BadInputException("the body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || root.size() != 1 || !root.path("entries").isArray()) {
            throw new BadInputException("a batch's body must be {\"entries\": [...]} and nothing else");
        }
        JsonNode entries = root.get("entries");
        if (entries.isEmpty()) {
            throw new BadInputException("a batch needs at least one entry");
        }
        if (entries.size() > maxEntries) {
            throw new TooManyException("the batch has " + entries.size() + " entries, more than this participant takes ("
                    + maxEntries + ", tcc.http.participant.max-batch-entries): send at most that many at once"
                    + " (tcc.http.remote.batch.max-size)");
        }
        List<Entry> parsed = new ArrayList<>(entries.size());
        Map<BranchKey, Integer> seen = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            BranchCall call = entry(entries.get(i), i, phase);
            Integer first = seen.putIfAbsent(call.key(), i);
            if (first != null) {
                throw new BadInputException("entry " + i + " names the same branch as entry " + first);
            }
            parsed.add(new Entry(call, entries.get(i).get(ARGS)));
        }
        return parsed;
    }

    private static BranchCall entry(JsonNode entry, int index, String phase) {
        String prefix = "entry " + index + ": ";
        if (!entry.isObject()) {
            throw new BadInputException(prefix + "must be an object with xid, branch, action and deadline");
        }
        for (String name : entry.propertyNames()) {
            if (!ARGS.equals(name) && !Set.copyOf(FIELDS.values()).contains(name)) {
                throw new BadInputException(prefix + "unknown field '" + name + "'");
            }
        }
        JsonNode args = entry.get(ARGS);
        if (args != null && !args.isArray()) {
            throw new BadInputException(prefix + "args must be the try's arguments, a JSON array");
        }
        JsonNode deadline = entry.get("deadline");
        if (deadline != null && !deadline.isIntegralNumber()) {
            throw new BadInputException(prefix + "deadline must be epoch milliseconds, an integer");
        }
        for (String text : List.of("xid", "branch", "action")) {
            JsonNode value = entry.get(text);
            if (value != null && !value.isString()) {
                throw new BadInputException(prefix + text + " must be a string");
            }
        }
        try {
            return BranchCall.parse(entry.path("action").asString(null), phase, header -> {
                JsonNode value = entry.get(FIELDS.get(header));
                return value == null ? null : value.asString();
            });
        } catch (BadInputException e) {
            // the rules name headers; here they are fields of the entry
            String message = e.getMessage();
            for (Map.Entry<String, String> field : FIELDS.entrySet()) {
                message = message.replace("header " + field.getKey(), "field " + field.getValue());
            }
            throw new BadInputException(prefix + message);
        }
    }
}
