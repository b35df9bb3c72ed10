package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.context.TransactionContext;
import io.tcc.global.BranchRecord;
import io.tcc.global.Coordinator;
import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.participant.Participant;
import io.tcc.participant.PendingBranch;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' admin page in a real browser. A Spring Boot service (Tomcat on a loopback port, in-app recovery, the
 * operator token) runs over a real database, seeded through its own Coordinator: transactions flagged because their
 * participant is unreachable, transactions whose initiator died before deciding, one that finished. Debian's headless
 * Chromium then opens the page and is driven over the Chrome DevTools Protocol: no Selenium, only java.net.http.
 *
 * <p>Without Chromium ({@code apt-get install chromium}, or {@code TCC_CHROMIUM} naming the executable) the tests are
 * reported as skipped, with that reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminPageIT {

    private static final String TOKEN = "admin-page-operator-token-4711";
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** A name that would run script if the page rendered data as HTML. */
    private static final String HOSTILE_NAME = "place-order <img src=x onerror=\"window.injected=1\">";

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    private TestDatabase db;
    private ConfigurableApplicationContext service;
    private Coordinator coordinator;
    private Operations operations;
    private String baseUrl;
    private String inventoryUrl;
    private Chromium browser;

    private String flagged;
    private String flaggedToRetry;
    private String stuck;
    private String stuckToCancel;
    private String finished;

    /** The service under test: what any Boot application with tcc-recovery and Spring MVC gets. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class AdminApp {
    }

    @BeforeAll
    void start() throws Throwable {
        String chromium = findChromium();
        db = TestDatabase.create(DatabaseKind.MYSQL, "admin_page").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql");
        DataSource dataSource = new DelegatingDataSource(db.dataSource()); // the service must not close the test's pool
        service = new SpringApplicationBuilder(AdminApp.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "tcc.recovery.operator.token=" + TOKEN,
                        "tcc.recovery.instance-id=admin-page-it",
                        // the test drives recovery itself: the scheduler fires once at start-up, then not for an hour
                        "tcc.recovery.interval=1h",
                        "tcc.recovery.cleanup.enabled=false",
                        "tcc.recovery.max-attempts=1",
                        // a TRYING transaction stays TRYING for the whole test, however slow the machine
                        "tcc.recovery-margin=10m",
                        "tcc.phase-two-retry-delay=50ms")
                .initializers(context -> {
                    GenericApplicationContext generic = (GenericApplicationContext) context;
                    generic.registerBean(DataSource.class, () -> dataSource);
                    generic.registerBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
                })
                .run();
        baseUrl = "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port");
        coordinator = service.getBean(Coordinator.class);
        operations = service.getBean(Operations.class);
        seed();
        browser = Chromium.launch(chromium, json);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
    }

    /** The log an operator would find after an inventory outage and two initiators that died mid-transaction. */
    private void seed() throws Throwable {
        inventoryUrl = "http://127.0.0.1:" + closedPort();
        coordinator.participants().add(new UnreachableParticipant(http));
        coordinator.participants().add(new AnsweringParticipant());

        stuck = diedBeforeDeciding(HOSTILE_NAME);
        stuckToCancel = diedBeforeDeciding("place-order");
        finished = coordinator.execute("post-payment", Duration.ofSeconds(30), () -> {
            coordinator.tryBranch("ledger", "post-entry", null, (key, deadline) -> "posted");
            return TransactionContext.current().xid();
        });
        flagged = decidedWhileInventoryIsDown();
        flaggedToRetry = decidedWhileInventoryIsDown();

        Recovery recovery = service.getBean(Recovery.class);
        awaitTrue("recovery flags both confirms that cannot reach the inventory", () -> {
            recovery.runOnce();
            return isFlagged(flagged) && isFlagged(flaggedToRetry);
        });
        assertThat(logged(finished).state()).isEqualTo(GlobalState.CONFIRMED);
        assertThat(logged(stuck).state()).isEqualTo(GlobalState.TRYING);
        awaitTrue("the stuck transactions' deadline passes", () -> Instant.now().isAfter(logged(stuck).deadline())
                && Instant.now().isAfter(logged(stuckToCancel).deadline()));
    }

    /** An initiator that registered its inventory branch, got its try through, and died before the decision. */
    private String diedBeforeDeciding(String name) {
        AtomicReference<String> xid = new AtomicReference<>();
        assertThatThrownBy(() -> coordinator.execute(name, Duration.ofSeconds(1), () -> {
            xid.set(TransactionContext.current().xid());
            coordinator.tryBranch("inventory", "reserve-stock", inventoryUrl, (key, deadline) -> "reserved");
            throw new CrashPoints.SimulatedCrash(CrashPoints.Point.BEFORE_DECISION, xid.get());
        })).isInstanceOf(CrashPoints.SimulatedCrash.class);
        return xid.get();
    }

    /** Every try succeeded, so it is decided CONFIRM; then the inventory went down before its confirm. */
    private String decidedWhileInventoryIsDown() throws Throwable {
        return coordinator.execute("place-order", Duration.ofSeconds(30), () -> {
            coordinator.tryBranch("inventory", "reserve-stock", inventoryUrl, (key, deadline) -> "reserved");
            return TransactionContext.current().xid();
        });
    }

    @Test
    void listsStuckAndFlaggedTransactionsButNotFinishedOnes() throws Exception {
        openPage("UNFINISHED", false);
        enterToken(TOKEN);
        awaitListLoaded();
        String unfinished = text("#transactions tbody");
        assertThat(unfinished).contains(flagged, stuck).doesNotContain(finished);
        assertThat(rowText(flagged)).contains("CONFIRMING", "FLAGGED", "inventory");
        assertThat(rowText(stuck)).contains("TRYING", "passed", HOSTILE_NAME);
        assertThat(browser.evaluate("window.injected === undefined && document.querySelector('#transactions img') === null")
                .asBoolean()).as("data is rendered as text, never as HTML").isTrue();
        assertThat(browser.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor").asString())
                .as("the style sheet loaded under the page's Content-Security-Policy").isEqualTo("rgb(29, 35, 41)");

        filter("UNFINISHED", true);
        assertThat(text("#transactions tbody")).contains(flagged).doesNotContain(stuck, finished);

        filter("CONFIRMED", false);
        assertThat(text("#transactions tbody")).as("the finished one exists; it is only not stuck").contains(finished)
                .doesNotContain(flagged, stuck);

        filter("UNFINISHED", false);
        clickRow(flagged);
        browser.waitFor("document.querySelector('#branches tbody').textContent.includes('inventory')", WAIT);
        assertThat(fact("state")).isEqualTo("CONFIRMING");
        assertThat(fact("flagged for an operator")).isEqualTo("yes");
        assertThat(fact("operator reason")).startsWith("branch 1 (inventory reserve-stock): confirm failed");
        assertThat(text("#branches tbody")).contains("inventory", "reserve-stock", inventoryUrl, "REGISTERED",
                "confirm failed: java.net.ConnectException");

        Path screenshot = Path.of("target", "admin-page.png");
        browser.screenshot(screenshot);
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    @Test
    void aWrongTokenIsShownAsRefused() throws Exception {
        openPage("UNFINISHED", false);
        enterToken("not-the-operator-token-at-all");
        browser.waitFor("document.getElementById('status').textContent.includes('401')", WAIT);
        assertThat(text("#status")).contains("401 Unauthorized: the token was refused",
                "a valid 'Authorization: Bearer <token>' header is required");
        assertThat(browser.evaluate("document.getElementById('status').classList.contains('error')").asBoolean()).isTrue();
        assertThat(browser.evaluate("document.querySelectorAll('#transactions tbody tr').length").asInt()).isZero();
    }

    @Test
    void resolvingNeedsAReasonAndCancelAllKeepsItOnTheRow() throws Exception {
        openPage("UNFINISHED", false);
        enterToken(TOKEN);
        awaitListLoaded();
        showDetail(stuckToCancel, "TRYING");

        browser.evaluate("document.querySelector('input[name=resolution][value=CANCEL_ALL]').click()");
        assertThat(resolveDisabled()).as("no reason typed").isTrue();
        typeReason("   ");
        assertThat(resolveDisabled()).as("only blanks typed").isTrue();
        String reason = "initiator host lost, customer informed, ticket OPS-7 <b>not bold</b>";
        typeReason(reason);
        assertThat(resolveDisabled()).isFalse();

        browser.evaluate("document.getElementById('resolve').click()");
        browser.waitFor("document.getElementById('action-result').textContent.startsWith('Resolved')", WAIT);
        assertThat(text("#action-result")).isEqualTo("Resolved " + stuckToCancel + " as CANCEL_ALL: it is now CANCELLING.");
        browser.waitFor("document.getElementById('detail-summary').textContent.includes('CANCELLING')", WAIT);
        assertThat(fact("operator reason")).isEqualTo("operator CANCEL_ALL: " + reason);

        GlobalRecord resolved = logged(stuckToCancel);
        assertThat(resolved.state()).as("decided CANCEL; its cancel cannot reach the inventory yet")
                .isEqualTo(GlobalState.CANCELLING);
        assertThat(resolved.operatorReason()).isEqualTo("operator CANCEL_ALL: " + reason);
        assertThat(db.jdbc().queryForObject("SELECT operator_reason FROM tcc_global WHERE xid = ?", String.class,
                stuckToCancel)).isEqualTo("operator CANCEL_ALL: " + reason);
        assertThat(resolved.needsOperator()).isFalse();
        assertThat(coordinator.log().branches(stuckToCancel).get(0).lastOutcome()).startsWith("cancel failed:");
        awaitTrue("recovery finds it due", () -> isDue(stuckToCancel));
    }

    @Test
    void aRefusalShowsTheServersMessageAndRetryNowMakesItDue() throws Exception {
        openPage("UNFINISHED", true);
        enterToken(TOKEN);
        awaitListLoaded();
        showDetail(flaggedToRetry, "CONFIRMING");

        browser.evaluate("document.querySelector('input[name=resolution][value=CANCEL_ALL]').click()");
        typeReason("give up on it");
        browser.evaluate("document.getElementById('resolve').click()");
        browser.waitFor("document.getElementById('action-result').textContent.includes('409')", WAIT);
        assertThat(text("#action-result")).isEqualTo("Refused (409): CANCEL_ALL of " + flaggedToRetry
                + " is not allowed: it is CONFIRMING; a transaction decided CONFIRM is never cancelled");
        assertThat(logged(flaggedToRetry).needsOperator()).as("a refusal changes nothing").isTrue();

        browser.evaluate("document.getElementById('retry').click()");
        browser.waitFor("document.getElementById('action-result').textContent.startsWith('Retried')", WAIT);
        assertThat(text("#action-result")).isEqualTo("Retried: " + flaggedToRetry + " is now CONFIRMING.");
        GlobalRecord retried = logged(flaggedToRetry);
        assertThat(retried.needsOperator()).isFalse();
        assertThat(retried.nextAttempt()).isNotNull();
        awaitTrue("recovery finds it due", () -> isDue(flaggedToRetry));
        browser.waitFor("document.getElementById('detail-summary').textContent.includes('attempts')", WAIT);
        assertThat(fact("flagged for an operator")).isEqualTo("no");
    }

    @Test
    void thePageIsServedWithoutTheTokenAndWithStrictHeaders() throws Exception {
        HttpResponse<String> page = get("/tcc/admin/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type.toLowerCase().replace(" ", "")).isEqualTo("text/html;charset=utf-8"));
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(OperatorEndpoint.CONTENT_SECURITY_POLICY);
        assertThat(page.body()).contains("admin.js", "admin.css").doesNotContain("https://", "<script>");

        HttpResponse<String> bare = get("/tcc/admin");
        assertThat(bare.statusCode()).isEqualTo(308);
        assertThat(bare.headers().firstValue("Location")).hasValue("admin/");
        assertThat(get("/tcc/admin/admin.js").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(get("/tcc/admin/transactions").statusCode()).as("the data needs the token").isEqualTo(401);
    }

    // --- driving the page

    private void openPage(String state, boolean flaggedOnly) {
        String url = baseUrl + "/tcc/admin/";
        browser.evaluate("window.previousDocument = true"); // so the wait below cannot see the old document
        browser.navigate(url);
        browser.waitFor("window.previousDocument === undefined && location.href === " + js(url)
                + " && document.readyState === 'complete' && document.getElementById('token-state').textContent !== ''", WAIT);
        browser.evaluate("sessionStorage.clear()");
        setFilters(state, flaggedOnly);
    }

    private void setFilters(String state, boolean flaggedOnly) {
        browser.evaluate("document.getElementById('state').value = " + js(state) + ";"
                + " document.getElementById('flagged').checked = " + flaggedOnly + ";"
                + " document.getElementById('age').value = '0'");
    }

    private void filter(String state, boolean flaggedOnly) {
        setFilters(state, flaggedOnly);
        browser.evaluate("document.getElementById('refresh').click()");
        awaitListLoaded();
    }

    private void enterToken(String token) {
        browser.evaluate("document.getElementById('token').value = " + js(token) + ";"
                + " document.getElementById('save-token').click()");
    }

    /** Each list request shows 'Loading...' at once, synchronously, and its outcome when it is answered. */
    private void awaitListLoaded() {
        browser.waitFor("!document.getElementById('status').textContent.startsWith('Loading')", WAIT);
        assertThat(text("#status")).contains("oldest first");
    }

    private void clickRow(String xid) {
        browser.evaluate("[...document.querySelectorAll('#transactions tbody tr')].find(row => row.dataset.xid === "
                + js(xid) + ").click()");
    }

    private void showDetail(String xid, String state) {
        clickRow(xid);
        browser.waitFor("document.getElementById('detail-xid').textContent === " + js(xid)
                + " && document.getElementById('detail-summary').textContent.includes(" + js(state) + ")", WAIT);
    }

    /** Types as a user would: the value changes and an input event follows. */
    private void typeReason(String reason) {
        browser.evaluate("{ const field = document.getElementById('reason'); field.value = " + js(reason) + ";"
                + " field.dispatchEvent(new Event('input', {bubbles: true})); }");
    }

    private boolean resolveDisabled() {
        return browser.evaluate("document.getElementById('resolve').disabled").asBoolean();
    }

    private String text(String selector) {
        return browser.evaluate("document.querySelector(" + js(selector) + ").textContent").asString();
    }

    /** What the detail's summary shows for one term. */
    private String fact(String term) {
        return browser.evaluate("[...document.querySelectorAll('#detail-summary dt')].find(dt => dt.textContent === "
                + js(term) + ")?.nextElementSibling.textContent ?? '(no such term)'").asString();
    }

    private String rowText(String xid) {
        return browser.evaluate("[...document.querySelectorAll('#transactions tbody tr')].find(row => row.dataset.xid === "
                + js(xid) + ")?.textContent ?? ''").asString();
    }

    /** A JavaScript string literal: JSON's string syntax is JavaScript's. */
    private String js(String text) {
        return json.writeValueAsString(text);
    }

    // --- the service and its log

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private GlobalRecord logged(String xid) {
        return operations.show(xid).orElseThrow().transaction();
    }

    private boolean isFlagged(String xid) {
        return logged(xid).needsOperator();
    }

    private boolean isDue(String xid) {
        return coordinator.log().findDue(1000).contains(xid);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }

    /** A port nothing listens on: bound once by us, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The inventory service while it is down: confirms and cancels are sent over HTTP and fail to connect. */
    static final class UnreachableParticipant implements Participant {
        private final HttpClient http;

        UnreachableParticipant(HttpClient http) {
            this.http = http;
        }

        @Override
        public String name() {
            return "inventory";
        }

        @Override
        public void confirm(PendingBranch branch) throws Exception {
            send(branch, "confirm");
        }

        @Override
        public void cancel(PendingBranch branch) throws Exception {
            send(branch, "cancel");
        }

        private void send(PendingBranch branch, String phase) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create(branch.endpoint() + "/tcc/" + phase))
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<Void> answer = http.send(request, HttpResponse.BodyHandlers.discarding());
            throw new IllegalStateException("something answered " + answer.statusCode() + " at " + branch.endpoint()
                    + ", where the test expects nothing to listen");
        }
    }

    /** A participant that confirms and cancels at once, for the transaction that finishes. */
    static final class AnsweringParticipant implements Participant {
        @Override
        public String name() {
            return "ledger";
        }

        @Override
        public void confirm(PendingBranch branch) {
        }

        @Override
        public void cancel(PendingBranch branch) {
        }
    }

    // --- the browser

    /** {@code TCC_CHROMIUM}, else {@code chromium} or {@code chromium-browser} on the PATH; aborts the class without. */
    private static String findChromium() {
        String configured = System.getenv("TCC_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            if (!Files.isExecutable(Path.of(configured))) {
                throw new IllegalStateException("TCC_CHROMIUM=" + configured + " is not an executable file; point it at"
                        + " Chromium or unset it to use chromium from the PATH");
            }
            return configured;
        }
        for (String name : new String[] {"chromium", "chromium-browser"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        String reason = "the admin page test needs headless Chromium, which is not installed: apt-get install chromium"
                + " (or set TCC_CHROMIUM to its executable)";
        System.err.println("AdminPageIT skipped: " + reason); // the console shows only a count of skipped tests
        Assumptions.abort(reason);
        return null; // not reached
    }

    /**
     * Headless Chromium over the Chrome DevTools Protocol: one WebSocket to the browser, one page attached to it as a
     * flat session. Commands are JSON {@code {id, method, params, sessionId}}; answers carry the same id.
     */
    static final class Chromium implements AutoCloseable {

        private final Process process;
        private final Path profile;
        private final JsonMapper json;
        private final Deque<String> output = new ArrayDeque<>(); // the last lines Chromium printed, for failures
        private final Map<Integer, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        private WebSocket socket;
        private String session;

        private Chromium(Process process, Path profile, JsonMapper json) {
            this.process = process;
            this.profile = profile;
            this.json = json;
        }

        static Chromium launch(String executable, JsonMapper json) throws Exception {
            Path profile = Files.createTempDirectory("tcc-admin-chromium");
            Process process = new ProcessBuilder(executable, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--remote-debugging-port=0",
                    "--user-data-dir=" + profile, "about:blank")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Chromium chromium = new Chromium(process, profile, json);
            try {
                chromium.connect(chromium.devToolsUrl());
                chromium.openPage();
                return chromium;
            } catch (Exception | AssertionError e) {
                chromium.close();
                throw e;
            }
        }

        /** Reads stderr (all of it, so Chromium never blocks on a full pipe) until the DevTools line appears. */
        private URI devToolsUrl() throws Exception {
            CompletableFuture<URI> url = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = err.readLine()) != null) {
                        remember(line);
                        int at = line.indexOf("DevTools listening on ws://");
                        if (at >= 0) {
                            url.complete(URI.create(line.substring(at + "DevTools listening on ".length()).trim()));
                        }
                    }
                } catch (IOException e) {
                    // the process is gone; the exit is reported below
                }
                url.completeExceptionally(new IllegalStateException("Chromium ended before it printed its DevTools URL"));
            }, "chromium-stderr");
            reader.setDaemon(true);
            reader.start();
            try {
                return url.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("Chromium did not start its DevTools server within 60 s ("
                        + e.getMessage() + "); what it printed:\n" + lastOutput(), e);
            }
        }

        private void remember(String line) {
            synchronized (output) {
                output.addLast(line);
                if (output.size() > 40) {
                    output.removeFirst();
                }
            }
        }

        private String lastOutput() {
            synchronized (output) {
                return String.join("\n", output);
            }
        }

        private void connect(URI url) throws Exception {
            socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(url, new WebSocket.Listener() {
                        private final StringBuilder message = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            message.append(data);
                            if (last) {
                                received(message.toString());
                                message.setLength(0);
                            }
                            webSocket.request(1);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket webSocket, Throwable error) {
                            answers.values().forEach(answer -> answer.completeExceptionally(error));
                        }
                    }).get(30, TimeUnit.SECONDS);
        }

        /** Answers complete their command; events (messages without an id) are not needed here. */
        private void received(String text) {
            JsonNode message = json.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> answer = answers.remove(message.get("id").asInt());
                if (answer != null) {
                    answer.complete(message);
                }
            }
        }

        private void openPage() {
            String target = command(null, "Target.createTarget", Map.of("url", "about:blank")).path("targetId").asString();
            session = command(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                    .path("sessionId").asString();
            command(session, "Emulation.setDeviceMetricsOverride",
                    Map.of("width", 1280, "height", 900, "deviceScaleFactor", 1, "mobile", false));
        }

        /** Sends one command and waits for its answer; a protocol error fails the test with Chromium's message. */
        JsonNode command(String sessionId, String method, Map<String, Object> params) {
            int id = ids.incrementAndGet();
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("id", id);
            message.put("method", method);
            message.put("params", params);
            if (sessionId != null) {
                message.put("sessionId", sessionId);
            }
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            answers.put(id, answer);
            try {
                socket.sendText(json.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
                JsonNode reply = answer.get(60, TimeUnit.SECONDS);
                if (reply.has("error")) {
                    throw new IllegalStateException(method + " failed: " + reply.get("error"));
                }
                return reply.path("result");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(method + " was interrupted", e);
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                throw new IllegalStateException(method + " got no answer from Chromium (" + e + "); it printed:\n"
                        + lastOutput(), e);
            } finally {
                answers.remove(id);
            }
        }

        void navigate(String url) {
            JsonNode result = command(session, "Page.navigate", Map.of("url", url));
            if (result.has("errorText")) {
                throw new IllegalStateException("Chromium could not open " + url + ": " + result.get("errorText").asString());
            }
        }

        /** The value of a JavaScript expression in the page (promises awaited); a thrown exception fails the test. */
        JsonNode evaluate(String expression) {
            JsonNode result = command(session, "Runtime.evaluate",
                    Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
            if (result.has("exceptionDetails")) {
                JsonNode details = result.get("exceptionDetails");
                throw new IllegalStateException("the page threw on " + expression + ": "
                        + details.path("exception").path("description").asString(details.path("text").asString()));
            }
            return result.path("result").path("value");
        }

        /** Polls a JavaScript condition until it holds; on timeout, fails with what the page shows. */
        void waitFor(String condition, Duration timeout) {
            Instant deadline = Instant.now().plus(timeout);
            String lastProblem = "";
            while (Instant.now().isBefore(deadline)) {
                try {
                    if (evaluate("Boolean(" + condition + ")").asBoolean()) {
                        return;
                    }
                } catch (IllegalStateException e) {
                    lastProblem = e.getMessage(); // a navigation may replace the document between two polls
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + condition, e);
                }
            }
            String shown;
            try {
                shown = evaluate("document.body ? document.body.innerText : '(no body)'").asString();
            } catch (IllegalStateException e) {
                shown = "(could not read the page: " + e.getMessage() + ")";
            }
            throw new AssertionError("not within " + timeout.toSeconds() + " s: " + condition + " " + lastProblem
                    + "\nthe page shows:\n" + shown);
        }

        /** The whole page as a PNG. */
        void screenshot(Path file) throws IOException {
            int height = Math.min(4000, Math.max(900, evaluate("document.documentElement.scrollHeight").asInt()));
            command(session, "Emulation.setDeviceMetricsOverride",
                    Map.of("width", 1280, "height", height, "deviceScaleFactor", 1, "mobile", false));
            String png = command(session, "Page.captureScreenshot", Map.of("format", "png")).path("data").asString();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(png));
        }

        /**
         * Kills Chromium, waits for it, and makes sure the helper processes it started (zygotes, renderers) are gone
         * too; then removes the profile. The browser goes first: its helpers exit when it does, and one killed
         * before it would linger unreaped until it notices.
         */
        @Override
        public void close() {
            if (socket != null) {
                socket.abort();
            }
            List<ProcessHandle> helpers = process.descendants().toList(); // before they are re-parented
            process.destroyForcibly();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    System.err.println("Chromium (pid " + process.pid() + ") did not exit within 30 s of being killed");
                }
                for (ProcessHandle helper : helpers) {
                    if (!exited(helper, 10)) {
                        helper.destroyForcibly();
                        if (!exited(helper, 10)) {
                            System.err.println("Chromium's helper process " + helper.pid() + " did not exit");
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                System.err.println("could not remove Chromium's profile " + profile + ": " + e);
            }
        }

        private static boolean exited(ProcessHandle handle, int seconds) throws InterruptedException {
            try {
                handle.onExit().get(seconds, TimeUnit.SECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                return !handle.isAlive();
            }
        }
    }
}
