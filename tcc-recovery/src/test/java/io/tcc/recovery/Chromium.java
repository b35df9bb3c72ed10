package io.tcc.recovery;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import io.tcc.test.Await;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Headless Chromium over the Chrome DevTools Protocol: one WebSocket to the browser, one page attached to it as a
 * flat session. Commands are JSON {@code {id, method, params, sessionId}}; answers carry the same id.
 */
final class Chromium implements AutoCloseable {

    /** {@code TCC_CHROMIUM}, else {@code chromium} or {@code chromium-browser} on the PATH; aborts the class without. */
    static String find() {
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
        } catch (TimeoutException | ExecutionException e) {
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
        } catch (ExecutionException | TimeoutException e) {
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

    /**
     * Polls a JavaScript condition until it holds; on timeout, fails with what the page shows. A navigation may replace
     * the document between two polls: that poll's error is only remembered.
     */
    void waitFor(String condition, Duration timeout) {
        try {
            Await.until(condition, timeout, () -> evaluate("Boolean(" + condition + ")").asBoolean());
        } catch (AssertionError e) {
            String shown;
            try {
                shown = evaluate("document.body ? document.body.innerText : '(no body)'").asString();
            } catch (IllegalStateException unreadable) {
                shown = "(could not read the page: " + unreadable.getMessage() + ")";
            }
            throw new AssertionError(e.getMessage() + "\nthe page shows:\n" + shown, e);
        }
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
        } catch (ExecutionException e) {
            return !handle.isAlive();
        }
    }
}
