package io.tcc.test.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Changes that vary a request without making it valid or invalid on their own. */
final class NeutralMutations {

    private NeutralMutations() {
    }

    static final List<Mutations.Mutation> ALL = List.of(
            NeutralMutations::junkHeader, NeutralMutations::duplicateHeader, NeutralMutations::nameCase,
            NeutralMutations::query, NeutralMutations::accept, NeutralMutations::chunked, NeutralMutations::ignoredBody);

    private static String junkHeader(FuzzRequest r, FuzzTarget t, Random random) {
        r.add("X-Fuzz-" + random.nextInt(1000), printable(random, random.nextInt(300)));
        return "junk-header";
    }

    private static String duplicateHeader(FuzzRequest r, FuzzTarget t, Random random) {
        List<String[]> candidates = new ArrayList<>();
        for (String[] h : r.headers) {
            if (!h[0].equalsIgnoreCase("Host") && !h[0].equalsIgnoreCase("Authorization")) {
                candidates.add(h);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        String[] h = candidates.get(random.nextInt(candidates.size()));
        r.add(h[0], h[1]);
        return "duplicate-header:" + h[0];
    }

    private static String nameCase(FuzzRequest r, FuzzTarget t, Random random) {
        if (r.headers.isEmpty()) {
            return null;
        }
        String[] h = r.headers.get(random.nextInt(r.headers.size()));
        h[0] = random.nextBoolean() ? h[0].toLowerCase(Locale.ROOT) : h[0].toUpperCase(Locale.ROOT);
        return "name-case:" + h[0];
    }

    private static String query(FuzzRequest r, FuzzTarget t, Random random) {
        r.target = r.target + (r.target.contains("?") ? "&" : "?") + "q=" + random.nextInt(100) + "&x=%20a";
        return "query";
    }

    private static String accept(FuzzRequest r, FuzzTarget t, Random random) {
        String[] accepts = {"text/html", "application/xml", "*/*", "text/plain;q=0.1", "image/png"};
        r.set("Accept", accepts[random.nextInt(accepts.length)]);
        return "accept:" + r.first("Accept");
    }

    private static String chunked(FuzzRequest r, FuzzTarget t, Random random) {
        if (r.framing != FuzzRequest.Framing.LENGTH) {
            return null;
        }
        r.framing = FuzzRequest.Framing.CHUNKED;
        return "framing:CHUNKED";
    }

    private static String ignoredBody(FuzzRequest r, FuzzTarget t, Random random) {
        if (t.body() != FuzzTarget.Body.IGNORED) {
            return null;
        }
        r.body = printable(random, random.nextInt(500)).getBytes(StandardCharsets.ISO_8859_1);
        return "ignored-body";
    }

    static String printable(Random random, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append((char) (0x21 + random.nextInt(0x5e)));
        }
        return out.toString();
    }
}
