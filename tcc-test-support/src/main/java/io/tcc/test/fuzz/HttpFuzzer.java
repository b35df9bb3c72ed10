package io.tcc.test.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A seeded generator of malformed HTTP requests, sent over a raw socket to each {@link FuzzTarget}: every request is
 * broken in at least one way the endpoint must refuse (its authentication, or a header, the body, the method, the path,
 * the request line, the framing...). Every answer must be a 4xx whose body is JSON with a non-empty {@code reason} and
 * no internals (stack traces, class names, SQL). The same seed sends the same requests: run with
 * {@code -Dfuzz.seed=N} to replay a run.
 */
public final class HttpFuzzer {

    /** Text that must never reach a client: a stack trace, an exception or a framework class, SQL. */
    private static final List<String> LEAKS = List.of("Exception", "\tat ", "org.apache", "org.springframework",
            "io.tcc.", "java.lang", "SQLState", "<html", "<!doctype");

    private final long seed;
    private final RawHttp http;
    private final PrintStream out;
    private final JsonMapper json = JsonMapper.builder().build();

    /** What one target answered: counts by status, and the requests that got a wrong answer. */
    public record Result(String target, int sent, Map<Integer, Integer> byStatus, Map<String, Integer> byReason,
                         List<String> failures) {
    }

    public HttpFuzzer(long seed, String host, int port, PrintStream out) {
        this.seed = seed;
        this.http = new RawHttp(host, port, Duration.ofSeconds(15));
        this.out = out;
    }

    /** The seed from {@code -Dfuzz.seed}, or a new one; printed either way so a failing run can be replayed. */
    public static long seed(PrintStream out) {
        String given = System.getProperty("fuzz.seed");
        long seed = given == null || given.isBlank() ? new Random().nextLong() : Long.parseLong(given.trim());
        out.println("fuzz seed " + seed + ": replay with -Dfuzz.seed=" + seed);
        return seed;
    }

    /** Sends {@code count} malformed requests to {@code target} and checks each answer. */
    public Result run(FuzzTarget target, int count) {
        // each target draws from its own stream, so its requests replay whatever else a run fuzzes
        Random random = new Random(seed ^ target.name().hashCode());
        Map<Integer, Integer> byStatus = new TreeMap<>();
        Map<String, Integer> byReason = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            FuzzRequest request = malformed(target, random);
            String problem;
            int status;
            try {
                RawHttp.Answer answer = http.send(request.bytes());
                status = answer.status();
                problem = check(answer);
                if (problem == null) {
                    byReason.merge(json.readTree(answer.body()).get("reason").asString(), 1, Integer::sum);
                }
            } catch (IOException e) {
                status = -1;
                problem = "no answer: " + e;
            }
            byStatus.merge(status, 1, Integer::sum);
            if (problem != null && failures.size() < 20) {
                failures.add(target.name() + " #" + i + ": " + problem + "\n  request " + request.describe());
            }
        }
        Result result = new Result(target.name(), count, byStatus, byReason, failures);
        out.printf("fuzz %s: %d requests in %d ms, by status %s, by reason %s, %d wrong%n", target.name(), count,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), byStatus, byReason, failures.size());
        return result;
    }

    /** One request broken at least once: unauthenticated, or authenticated with a breaking mutation. */
    static FuzzRequest malformed(FuzzTarget target, Random random) {
        FuzzRequest request = target.base().apply(random);
        for (int n = random.nextInt(3); n > 0; n--) {
            record(request, NeutralMutations.ALL.get(random.nextInt(NeutralMutations.ALL.size())).apply(request, target, random));
        }
        boolean authBroken = target.auth() != null && random.nextInt(10) < 4;
        int breaking = authBroken ? random.nextInt(2) : 1 + random.nextInt(2);
        List<Mutations.Mutation> unused = new ArrayList<>(Mutations.BREAKING);
        while (breaking > 0 && !unused.isEmpty()) {
            String applied = unused.remove(random.nextInt(unused.size())).apply(request, target, random);
            if (applied != null) {
                record(request, applied);
                breaking--;
            }
        }
        if (target.auth() != null) {
            if (authBroken) {
                record(request, "auth:" + target.auth().breakIt(request, random));
            } else {
                target.auth().authenticate(request);
            }
        }
        return request;
    }

    private static void record(FuzzRequest request, String mutation) {
        if (mutation != null) {
            request.mutations.add(mutation);
        }
    }

    /** Null when the answer is right: a 4xx, JSON with a reason, nothing internal. */
    private String check(RawHttp.Answer answer) {
        if (answer.status() < 400 || answer.status() > 499) {
            return "answered " + answer;
        }
        String type = answer.header("Content-Type");
        if (type == null || !type.startsWith("application/json")) {
            return "not JSON: " + answer;
        }
        JsonNode body;
        try {
            body = json.readTree(answer.body());
        } catch (JacksonException e) {
            return "a body that does not parse: " + answer;
        }
        JsonNode reason = body.get("reason");
        if (reason == null || !reason.isString() || reason.asString().isBlank()) {
            return "no reason: " + answer;
        }
        for (String leak : LEAKS) {
            if (answer.text().contains(leak)) {
                return "leaks '" + leak + "': " + answer;
            }
        }
        return null;
    }
}
