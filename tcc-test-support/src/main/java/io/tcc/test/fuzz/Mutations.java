package io.tcc.test.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What the fuzzer does to a request to make it malformed for its target, whatever else is done to it. The neutral
 * changes ({@link NeutralMutations}) are applied first, so a breaking one is never repaired.
 */
final class Mutations {

    interface Mutation {
        /** Applies itself and returns its name with its variant, or null when it does not apply to this target. */
        String apply(FuzzRequest request, FuzzTarget target, Random random);
    }

    private static final String[] FOREIGN_METHODS = {"GET", "PUT", "DELETE", "PATCH", "POST", "TRACE", "FOO", "post",
            "Get", "M-SEARCH", "PROPFIND"};
    private static final char[] CONTROLS = {0x00, 0x01, 0x02, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x1b, 0x1f, 0x7f};

    private Mutations() {
    }

    /** Weighted towards what the endpoint itself checks (headers, body, content type): Tomcat's checks are few. */
    static final List<Mutation> BREAKING = List.of(
            Mutations::method, Mutations::path, Mutations::headerInvalid, Mutations::headerInvalid,
            Mutations::headerInvalid, Mutations::headerMissing, Mutations::headerMissing, Mutations::bodyInvalid,
            Mutations::bodyInvalid, Mutations::bodyInvalid, Mutations::bodyInvalid, Mutations::contentType,
            Mutations::contentType, Mutations::headerOversized, Mutations::headerControl, Mutations::headerName,
            Mutations::requestLine, Mutations::uriEncoding, Mutations::host, Mutations::framingBroken);

    private static String method(FuzzRequest r, FuzzTarget t, Random random) {
        List<String> foreign = new ArrayList<>();
        for (String m : FOREIGN_METHODS) {
            if (!t.servedMethods().contains(m)) {
                foreign.add(m);
            }
        }
        r.method = foreign.get(random.nextInt(foreign.size()));
        return "method:" + r.method;
    }

    private static String path(FuzzRequest r, FuzzTarget t, Random random) {
        String path = r.path();
        String query = r.target.substring(path.length());
        int depth = path.split("/").length + 2;
        String[][] ways = {
                {"extra-segment", path + "/x"},
                {"trailing-slash", path + "/"},
                {"upper-case", path.toUpperCase(Locale.ROOT)},
                {"above-root", path + "/..".repeat(depth) + "/etc/passwd"},
                {"double-slash-end", path + "//"},
                {"long", path + "/" + "a".repeat(2000 + random.nextInt(20_000))},
                {"cut", path.substring(0, Math.max(1, path.lastIndexOf('/')))},
                {"unknown-last", path.substring(0, path.lastIndexOf('/') + 1) + "no-such-thing"},
                {"star", "*"},
                {"dot-segment-name", path + "/."}};
        String[] way = ways[random.nextInt(ways.length)];
        r.target = way[1] + query;
        return "path:" + way[0];
    }

    private static String headerInvalid(FuzzRequest r, FuzzTarget t, Random random) {
        if (t.checkedHeaders().isEmpty()) {
            return null;
        }
        String name = t.checkedHeaders().get(random.nextInt(t.checkedHeaders().size()));
        List<String[]> ways = new ArrayList<>(List.of(
                new String[] {"space", "a b"},
                new String[] {"semicolon", "x;DROP TABLE tcc_fence"},
                new String[] {"quote", "x'--"},
                new String[] {"too-long", "a".repeat(129 + random.nextInt(3000))},
                new String[] {"latin1", "caf\u00e9"},
                new String[] {"leading-dash", "-x"},
                new String[] {"minus-one", "-1"},
                new String[] {"slash", "a/b"},
                new String[] {"percent", "%41"}));
        if (name.toLowerCase(Locale.ROOT).contains("deadline")) {
            // valid identifiers, but not epoch milliseconds
            ways.add(new String[] {"fraction", "1.5"});
            ways.add(new String[] {"exponent", "1e9"});
            ways.add(new String[] {"sixteen-digits", "1234567890123456"});
        }
        String[] way = ways.get(random.nextInt(ways.size()));
        r.set(name, way[1]);
        return "header-invalid:" + name + ":" + way[0];
    }

    private static String headerMissing(FuzzRequest r, FuzzTarget t, Random random) {
        if (t.checkedHeaders().isEmpty()) {
            return null;
        }
        String name = t.checkedHeaders().get(random.nextInt(t.checkedHeaders().size()));
        if (random.nextBoolean()) {
            r.remove(name);
            return "header-missing:" + name;
        }
        r.set(name, "");
        return "header-empty:" + name;
    }

    private static String bodyInvalid(FuzzRequest r, FuzzTarget t, Random random) {
        if (t.body() == FuzzTarget.Body.IGNORED) {
            return null;
        }
        byte[] base = r.body;
        int way = random.nextInt(8 + (t.invalidBodies().isEmpty() ? 0 : 3));
        switch (way) {
            case 0 -> {
                r.body = java.util.Arrays.copyOf(base, random.nextInt(Math.max(1, base.length)));
                return "body:truncated";
            }
            case 1 -> {
                r.body = ("x" + NeutralMutations.printable(random, 1 + random.nextInt(200))).getBytes(StandardCharsets.ISO_8859_1);
                return "body:not-json";
            }
            case 2 -> {
                String[] scalars = {"42", "\"s\"", "true", "-0.5e3", "\"\""};
                r.body = scalars[random.nextInt(scalars.length)].getBytes(StandardCharsets.UTF_8);
                return "body:scalar";
            }
            case 3 -> {
                int depth = 50 + random.nextInt(5000);
                r.body = ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
                return "body:deep-" + depth;
            }
            case 4 -> {
                int size = random.nextInt(10) == 0 ? 1_000_000 + random.nextInt(1_000_000) : 20_000 + random.nextInt(100_000);
                StringBuilder huge = new StringBuilder(size + 16).append('[');
                while (huge.length() < size) {
                    huge.append("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",");
                }
                r.body = huge.append("1]").toString().getBytes(StandardCharsets.UTF_8);
                return "body:huge-" + r.body.length;
            }
            case 5 -> {
                r.body = invalidUtf8(base);
                return "body:invalid-utf8";
            }
            case 6 -> {
                r.body = new byte[0];
                return "body:empty";
            }
            case 7 -> {
                r.body = ("{\"a\":" + new String(base, StandardCharsets.UTF_8) + "]").getBytes(StandardCharsets.UTF_8);
                return "body:unbalanced";
            }
            default -> {
                r.body = t.invalidBodies().get(random.nextInt(t.invalidBodies().size())).getBytes(StandardCharsets.UTF_8);
                return "body:invalid-for-target";
            }
        }
    }

    /** The body with the first string's first character replaced by bytes that are not UTF-8. */
    private static byte[] invalidUtf8(byte[] base) {
        byte[] body = base.clone();
        for (int i = 0; i < body.length - 1; i++) {
            if (body[i] == '"') {
                byte[] bad = {(byte) 0xc3, (byte) 0x28, (byte) 0xff};
                byte[] out = new byte[body.length + bad.length];
                System.arraycopy(body, 0, out, 0, i + 1);
                System.arraycopy(bad, 0, out, i + 1, bad.length);
                System.arraycopy(body, i + 1, out, i + 1 + bad.length, body.length - i - 1);
                return out;
            }
        }
        return new byte[] {(byte) 0xff, (byte) 0xfe, '[', ']'};
    }

    private static String contentType(FuzzRequest r, FuzzTarget t, Random random) {
        if (!t.contentTypeChecked()) {
            return null;
        }
        String[] types = {"text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/octet-stream", "application/jsonx", "text/json-ish", "*/*", "application/*"};
        String type = types[random.nextInt(types.length)];
        if (random.nextInt(6) == 0) {
            r.remove("Content-Type");
            return "content-type:missing";
        }
        r.set("Content-Type", type);
        return "content-type:" + type;
    }

    private static String headerOversized(FuzzRequest r, FuzzTarget t, Random random) {
        if (random.nextBoolean()) {
            r.add("X-Pad", "p".repeat(9_000 + random.nextInt(60_000)));
            return "header-oversized:one";
        }
        for (int i = 0; i < 200; i++) {
            r.add("X-Pad-" + i, "p".repeat(60));
        }
        return "header-oversized:many";
    }

    private static String headerControl(FuzzRequest r, FuzzTarget t, Random random) {
        char control = CONTROLS[random.nextInt(CONTROLS.length)];
        String name = r.headers.isEmpty() || random.nextBoolean() ? "X-Ctl" : r.headers.get(random.nextInt(r.headers.size()))[0];
        String value = r.first(name) == null ? "ab" : r.first(name);
        int at = value.isEmpty() ? 0 : 1 + random.nextInt(Math.max(1, value.length() - 1));
        r.set(name, value.substring(0, Math.min(at, value.length())) + control + value.substring(Math.min(at, value.length())));
        return String.format(Locale.ROOT, "header-control:%s:\\x%02x", name, (int) control);
    }

    private static String headerName(FuzzRequest r, FuzzTarget t, Random random) {
        String[] names = {"Bad Header", "X(1)", "X\"y", "", "\u00e9t\u00e9", "X\u0001Y", "X{y}", "X/Y"};
        String name = names[random.nextInt(names.length)];
        r.add(name, "v");
        return "header-name:" + name.replaceAll("\\p{Cntrl}", "?");
    }

    private static String requestLine(FuzzRequest r, FuzzTarget t, Random random) {
        switch (random.nextInt(6)) {
            case 0 -> {
                r.target = r.target + " extra";
                return "request-line:space-in-target";
            }
            case 1 -> {
                r.method = r.method.charAt(0) + "\u0001" + r.method.substring(1);
                return "request-line:control-in-method";
            }
            case 2 -> {
                r.version = "HTTP/1.x";
                return "request-line:version-garbage";
            }
            case 3 -> {
                r.version = "HTXP/1.1";
                return "request-line:protocol-garbage";
            }
            case 4 -> {
                r.target = r.target + "\u0001";
                return "request-line:control-in-target";
            }
            default -> {
                r.target = r.target.replaceFirst("/", "/{<>}/");
                return "request-line:brackets-in-target";
            }
        }
    }

    private static String uriEncoding(FuzzRequest r, FuzzTarget t, Random random) {
        String[] bad = {"%zz", "%", "%0", "%00", "%2F", "%5C", "%c0%af", "%ff"};
        String insert = bad[random.nextInt(bad.length)];
        String path = r.path();
        int slash = path.lastIndexOf('/');
        r.target = path.substring(0, slash + 1) + insert + path.substring(slash + 1) + r.target.substring(path.length());
        return "uri-encoding:" + insert;
    }

    private static String host(FuzzRequest r, FuzzTarget t, Random random) {
        switch (random.nextInt(3)) {
            case 0 -> {
                r.remove("Host");
                return "host:missing";
            }
            case 1 -> {
                r.add("Host", "other.example");
                return "host:twice";
            }
            default -> {
                r.target = "http://other.example" + r.target;
                return "host:absolute-uri-other-host";
            }
        }
    }

    private static String framingBroken(FuzzRequest r, FuzzTarget t, Random random) {
        FuzzRequest.Framing[] always = {FuzzRequest.Framing.LENGTH_TWICE, FuzzRequest.Framing.LENGTH_GARBAGE};
        // a short or broken body is only noticed by an endpoint that reads its body to the end
        if (t.body() == FuzzTarget.Body.STRICT && random.nextBoolean()) {
            r.framing = random.nextBoolean() ? FuzzRequest.Framing.LONGER : FuzzRequest.Framing.CHUNKED_BROKEN;
            if (r.body.length == 0) {
                r.body = "[".getBytes(StandardCharsets.UTF_8);
            }
        } else {
            r.framing = always[random.nextInt(always.length)];
        }
        return "framing:" + r.framing;
    }
}
