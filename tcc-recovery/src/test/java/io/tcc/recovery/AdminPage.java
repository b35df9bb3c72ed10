package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The admin page as an operator uses it, in the browser: open it, enter the token, filter, pick a row, resolve. */
final class AdminPage {

    private final Chromium browser;
    private final JsonMapper json;
    private final String url;
    private final Duration wait;

    AdminPage(Chromium browser, JsonMapper json, String baseUrl, Duration wait) {
        this.browser = browser;
        this.json = json;
        this.url = baseUrl + "/tcc/admin/";
        this.wait = wait;
    }

    void open(String state, boolean flaggedOnly) {
        openAsServed();
        setFilters(state, flaggedOnly);
    }

    /** Opens the page with its filters as it serves them, as an operator first sees it. */
    void openAsServed() {
        browser.evaluate("window.previousDocument = true"); // so the wait below cannot see the old document
        browser.navigate(url);
        waitFor("window.previousDocument === undefined && location.href === " + js(url)
                + " && document.readyState === 'complete' && document.getElementById('token-state').textContent !== ''");
        browser.evaluate("sessionStorage.clear()");
    }

    private void setFilters(String state, boolean flaggedOnly) {
        browser.evaluate("document.getElementById('state').value = " + js(state) + ";"
                + " document.getElementById('flagged').checked = " + flaggedOnly + ";"
                + " document.getElementById('age').value = '0'");
    }

    void filter(String state, boolean flaggedOnly) {
        setFilters(state, flaggedOnly);
        browser.evaluate("document.getElementById('refresh').click()");
        awaitListLoaded();
    }

    void enterToken(String token) {
        browser.evaluate("document.getElementById('token').value = " + js(token) + ";"
                + " document.getElementById('save-token').click()");
    }

    /** Each list request shows 'Loading...' at once, synchronously, and its outcome when it is answered. */
    void awaitListLoaded() {
        waitFor("!document.getElementById('status').textContent.startsWith('Loading')");
        assertThat(text("#status")).contains("oldest first");
    }

    void clickRow(String xid) {
        browser.evaluate("[...document.querySelectorAll('#transactions tbody tr')].find(row => row.dataset.xid === "
                + js(xid) + ").click()");
    }

    void showDetail(String xid, String state) {
        clickRow(xid);
        waitFor("document.getElementById('detail-xid').textContent === " + js(xid)
                + " && document.getElementById('detail-summary').textContent.includes(" + js(state) + ")");
    }

    void chooseResolution(String resolution) {
        browser.evaluate("document.querySelector('input[name=resolution][value=" + resolution + "]').click()");
    }

    /** Types as a user would: the value changes and an input event follows. */
    void typeReason(String reason) {
        browser.evaluate("{ const field = document.getElementById('reason'); field.value = " + js(reason) + ";"
                + " field.dispatchEvent(new Event('input', {bubbles: true})); }");
    }

    boolean resolveDisabled() {
        return browser.evaluate("document.getElementById('resolve').disabled").asBoolean();
    }

    void click(String id) {
        browser.evaluate("document.getElementById(" + js(id) + ").click()");
    }

    /** Waits until the element's text includes {@code part}. */
    void awaitText(String id, String part) {
        waitFor("document.getElementById(" + js(id) + ").textContent.includes(" + js(part) + ")");
    }

    String text(String selector) {
        return browser.evaluate("document.querySelector(" + js(selector) + ").textContent").asString();
    }

    /** What the detail's summary shows for one term. */
    String fact(String term) {
        return browser.evaluate("[...document.querySelectorAll('#detail-summary dt')].find(dt => dt.textContent === "
                + js(term) + ")?.nextElementSibling.textContent ?? '(no such term)'").asString();
    }

    String rowText(String xid) {
        return browser.evaluate("[...document.querySelectorAll('#transactions tbody tr')].find(row => row.dataset.xid === "
                + js(xid) + ")?.textContent ?? ''").asString();
    }

    JsonNode evaluate(String expression) {
        return browser.evaluate(expression);
    }

    void waitFor(String condition) {
        browser.waitFor(condition, wait);
    }

    /** A JavaScript string literal: JSON's string syntax is JavaScript's. */
    private String js(String text) {
        return json.writeValueAsString(text);
    }
}
