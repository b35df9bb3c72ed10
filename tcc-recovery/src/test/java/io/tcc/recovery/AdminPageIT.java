package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;


import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' admin page in a real browser. A Spring Boot service (Tomcat on a loopback port, in-app recovery, the
 * operator token) runs over a real database, seeded through its own Coordinator ({@link OutageLog}). Debian's headless
 * Chromium then opens the page and is driven over the Chrome DevTools Protocol ({@link Chromium}: no Selenium, only
 * java.net.http), as an operator would use it ({@link AdminPage}).
 *
 * <p>Without Chromium ({@code apt-get install chromium}, or {@code TCC_CHROMIUM} naming the executable) the tests are
 * reported as skipped, with that reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminPageIT {

    private static final String TOKEN = "admin-page-operator-token-4711";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    private TestDatabase db;
    private ConfigurableApplicationContext service;
    private Coordinator coordinator;
    private String baseUrl;
    private Chromium browser;
    private final CircuitBreaker inventoryBreaker = CircuitBreaker.ofDefaults("inventory");
    private OutageLog log;
    private AdminPage page;

    @BeforeAll
    void start() throws Throwable {
        String chromium = Chromium.find();
        db = TestDatabase.create(DatabaseKind.MYSQL, "admin_page").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql");
        service = RecoveryService.start(db,
                // the inventory's breaker as a service calling it keeps one (tcc-http provides this bean from its
                // guards; it cannot be on this module's classpath), opened as its failures would open it
                context -> context.registerBean(ParticipantStates.class, () -> () -> List.of(state(inventoryBreaker))),
                "tcc.recovery.operator.token=" + TOKEN,
                "tcc.recovery.instance-id=admin-page-it",
                // a TRYING transaction stays TRYING for the whole test, however slow the machine
                "tcc.recovery-margin=10m");
        baseUrl = RecoveryService.baseUrl(service);
        coordinator = service.getBean(Coordinator.class);
        log = OutageLog.seed(coordinator, service.getBean(Operations.class), service.getBean(Recovery.class), http, WAIT);
        browser = Chromium.launch(chromium, json);
        page = new AdminPage(browser, json, baseUrl, WAIT);
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

    @Test
    void listsStuckAndFlaggedTransactionsButNotFinishedOnes() throws Exception {
        page.open("UNFINISHED", false);
        page.enterToken(TOKEN);
        page.awaitListLoaded();
        String unfinished = page.text("#transactions tbody");
        assertThat(unfinished).contains(log.flagged, log.stuck).doesNotContain(log.finished);
        assertThat(page.rowText(log.flagged)).contains("CONFIRMING", "FLAGGED", "inventory");
        assertThat(page.rowText(log.stuck)).contains("TRYING", "passed", OutageLog.HOSTILE_NAME);
        assertThat(page.evaluate("window.injected === undefined && document.querySelector('#transactions img') === null")
                .asBoolean()).as("data is rendered as text, never as HTML").isTrue();
        assertThat(page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor").asString())
                .as("the style sheet loaded under the page's Content-Security-Policy").isEqualTo("rgb(29, 35, 41)");

        page.filter("UNFINISHED", true);
        assertThat(page.text("#transactions tbody")).contains(log.flagged).doesNotContain(log.stuck, log.finished);

        page.filter("CONFIRMED", false);
        assertThat(page.text("#transactions tbody")).as("the finished one exists; it is only not stuck")
                .contains(log.finished).doesNotContain(log.flagged, log.stuck);

        page.filter("UNFINISHED", false);
        page.clickRow(log.flagged);
        page.waitFor("document.querySelector('#branches tbody').textContent.includes('inventory')");
        assertThat(page.fact("state")).isEqualTo("CONFIRMING");
        assertThat(page.fact("flagged for an operator")).isEqualTo("yes");
        assertThat(page.fact("operator reason")).startsWith("branch 1 (inventory reserve-stock): confirm failed");
        assertThat(page.text("#branches tbody")).contains("inventory", "reserve-stock", log.inventoryUrl, "REGISTERED",
                "confirm failed: java.net.ConnectException");

        Path screenshot = Path.of("target", "admin-page.png");
        browser.screenshot(screenshot);
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    @Test
    void asServedThePageListsTransactionsStuckOrFlaggedMomentsAgoAndNamesAnOpenBreaker() throws Exception {
        inventoryBreaker.transitionToOpenState();
        page.openAsServed();
        assertThat(page.evaluate("document.getElementById('age').value").asString())
                .as("no age filter by default; it stays available").isEqualTo("0");
        page.enterToken(TOKEN);
        page.awaitListLoaded();
        assertThat(page.text("#transactions tbody")).as("seconds old, so hidden by the former 5-minute default")
                .contains(log.flagged, log.stuck).doesNotContain(log.finished);

        page.waitFor("!document.getElementById('open-breakers').hidden");
        assertThat(page.text("#open-breakers")).startsWith("Circuit breaker OPEN for inventory: calls to it are refused");
        assertThat(page.text("#participants tbody")).contains("inventory", "OPEN");
        browser.screenshot(Path.of("target", "admin-page-open-breaker.png"));

        inventoryBreaker.transitionToHalfOpenState();
        page.filter("UNFINISHED", false);
        page.waitFor("document.getElementById('open-breakers').hidden");
        assertThat(page.text("#participants tbody")).contains("HALF_OPEN");
    }

    private static ParticipantStates.State state(CircuitBreaker breaker) {
        return new ParticipantStates.State(breaker.getName(), breaker.getState().name(),
                breaker.getMetrics().getFailureRate(), 0, 16, Map.of());
    }

    @Test
    void aWrongTokenIsShownAsRefused() throws Exception {
        page.open("UNFINISHED", false);
        page.enterToken("not-the-operator-token-at-all");
        page.waitFor("document.getElementById('status').textContent.includes('401')");
        assertThat(page.text("#status")).contains("401 Unauthorized: the token was refused",
                "a valid 'Authorization: Bearer <token>' header is required");
        assertThat(page.evaluate("document.getElementById('status').classList.contains('error')").asBoolean()).isTrue();
        assertThat(page.evaluate("document.querySelectorAll('#transactions tbody tr').length").asInt()).isZero();
    }

    @Test
    void resolvingNeedsAReasonAndCancelAllKeepsItOnTheRow() throws Exception {
        page.open("UNFINISHED", false);
        page.enterToken(TOKEN);
        page.awaitListLoaded();
        page.showDetail(log.stuckToCancel, "TRYING");

        page.chooseResolution("CANCEL_ALL");
        assertThat(page.resolveDisabled()).as("no reason typed").isTrue();
        page.typeReason("   ");
        assertThat(page.resolveDisabled()).as("only blanks typed").isTrue();
        String reason = "initiator host lost, customer informed, ticket OPS-7 <b>not bold</b>";
        page.typeReason(reason);
        assertThat(page.resolveDisabled()).isFalse();

        page.click("resolve");
        page.waitFor("document.getElementById('action-result').textContent.startsWith('Resolved')");
        assertThat(page.text("#action-result"))
                .isEqualTo("Resolved " + log.stuckToCancel + " as CANCEL_ALL: it is now CANCELLING.");
        page.waitFor("document.getElementById('detail-summary').textContent.includes('CANCELLING')");
        assertThat(page.fact("operator reason")).isEqualTo("operator CANCEL_ALL: " + reason);

        GlobalRecord resolved = log.logged(log.stuckToCancel);
        assertThat(resolved.state()).as("decided CANCEL; its cancel cannot reach the inventory yet")
                .isEqualTo(GlobalState.CANCELLING);
        assertThat(resolved.operatorReason()).isEqualTo("operator CANCEL_ALL: " + reason);
        assertThat(db.jdbc().queryForObject("SELECT operator_reason FROM tcc_global WHERE xid = ?", String.class,
                log.stuckToCancel)).isEqualTo("operator CANCEL_ALL: " + reason);
        assertThat(resolved.needsOperator()).isFalse();
        assertThat(coordinator.log().branches(log.stuckToCancel).get(0).lastOutcome()).startsWith("cancel failed:");
        Await.until("recovery finds it due", WAIT, () -> log.isDue(log.stuckToCancel));
    }

    @Test
    void aRefusalShowsTheServersMessageAndRetryNowMakesItDue() throws Exception {
        page.open("UNFINISHED", true);
        page.enterToken(TOKEN);
        page.awaitListLoaded();
        page.showDetail(log.flaggedToRetry, "CONFIRMING");

        page.chooseResolution("CANCEL_ALL");
        page.typeReason("give up on it");
        page.click("resolve");
        page.waitFor("document.getElementById('action-result').textContent.includes('409')");
        assertThat(page.text("#action-result")).isEqualTo("Refused (409): CANCEL_ALL of " + log.flaggedToRetry
                + " is not allowed: it is CONFIRMING; a transaction decided CONFIRM is never cancelled");
        assertThat(log.logged(log.flaggedToRetry).needsOperator()).as("a refusal changes nothing").isTrue();

        page.click("retry");
        page.waitFor("document.getElementById('action-result').textContent.startsWith('Retried')");
        assertThat(page.text("#action-result")).isEqualTo("Retried: " + log.flaggedToRetry + " is now CONFIRMING.");
        GlobalRecord retried = log.logged(log.flaggedToRetry);
        assertThat(retried.needsOperator()).isFalse();
        assertThat(retried.nextAttempt()).isNotNull();
        Await.until("recovery finds it due", WAIT, () -> log.isDue(log.flaggedToRetry));
        // 'Retried' shows before the detail is read again; the button is enabled again once it has been
        page.waitFor("!document.getElementById('retry').disabled");
        assertThat(page.fact("flagged for an operator")).isEqualTo("no");
    }

    @Test
    void thePageIsServedWithoutTheTokenAndWithStrictHeaders() throws Exception {
        HttpResponse<String> served = get("/tcc/admin/");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type.toLowerCase().replace(" ", "")).isEqualTo("text/html;charset=utf-8"));
        assertThat(served.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(served.headers().firstValue("Content-Security-Policy")).hasValue(OperatorEndpoint.CONTENT_SECURITY_POLICY);
        assertThat(served.body()).contains("admin.js", "admin.css").doesNotContain("https://", "<script>");

        HttpResponse<String> bare = get("/tcc/admin");
        assertThat(bare.statusCode()).isEqualTo(308);
        assertThat(bare.headers().firstValue("Location")).hasValue("admin/");
        assertThat(get("/tcc/admin/admin.js").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(get("/tcc/admin/transactions").statusCode()).as("the data needs the token").isEqualTo(401);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
