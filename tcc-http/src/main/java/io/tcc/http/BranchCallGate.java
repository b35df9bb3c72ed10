package io.tcc.http;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.json.JsonMapper;

/**
 * Stands in front of the participant endpoints, before any framework code can touch a body: authenticates a branch
 * call from its headers alone, then reads its body within a size and a time bound and checks it against the signed
 * digest, and hands it to {@link ParticipantEndpoint}. A client without the secret gets its 401 before a byte of its
 * body is read, with its connection closed, so slow unsigned bodies cannot hold the service's request threads.
 * Register it for every request (Boot does, see {@code TccHttpAutoConfiguration}); it lets other requests pass.
 */
public final class BranchCallGate extends HttpFilter {

    private static final Logger log = LoggerFactory.getLogger(BranchCallGate.class);
    /** The request attribute that carries the checked body to {@link ParticipantEndpoint}. */
    static final String BODY = BranchCallGate.class.getName() + ".body";

    private static final Pattern BRANCH_CALL = Pattern.compile(Pattern.quote(TccHeaders.PATH_PREFIX)
            + "[^/]+/(try|confirm|cancel)");

    private final RequestSigner signer;
    private final int maxBodyBytes;
    private final long bodyReadNanos;
    private final ThrottledWarning unauthenticated;
    private final JsonMapper json;

    /**
     * @param signer       checks every call's signature; null turns signing off (only for a trusted network)
     * @param bodyReadTime how long reading one body may take, from its first byte asked for to its last
     * @param logInterval  the shortest time between two log lines about unauthenticated calls
     */
    public BranchCallGate(RequestSigner signer, int maxBodyBytes, Duration bodyReadTime, Duration logInterval,
                          JsonMapper json) {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("tcc.http.participant.max-body-bytes must not be negative, was " + maxBodyBytes);
        }
        if (bodyReadTime.isNegative() || bodyReadTime.isZero()) {
            throw new IllegalArgumentException("tcc.http.participant.body-read-timeout must be positive, was " + bodyReadTime);
        }
        this.signer = signer;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyReadNanos = bodyReadTime.toNanos();
        this.unauthenticated = new ThrottledWarning(log, logInterval);
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Every unauthenticated branch call refused since start, for the metric {@code tcc.http.unauthenticated.calls}. */
    public long unauthenticatedCalls() {
        return unauthenticated.total();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!"POST".equals(request.getMethod()) || !BRANCH_CALL.matcher(path).matches()) {
            chain.doFilter(request, response);
            return;
        }
        long length = request.getContentLengthLong();
        if (length < 0) {
            refuse(response, BranchResponse.Status.BAD_REQUEST, "LENGTH_REQUIRED", "a branch call needs a Content-Length");
            return;
        }
        if (length > maxBodyBytes) {
            refuse(response, BranchResponse.Status.TOO_LARGE, "TOO_LARGE", "the body exceeds " + maxBodyBytes + " bytes");
            return;
        }
        UnaryOperator<String> header = request::getHeader;
        if (signer != null && !authenticated(() -> signer.verify("POST", path, header), request, path, response)) {
            return;
        }
        byte[] body = readBody(request, (int) length);
        if (body == null) {
            log.debug("the body of a branch call to {} did not arrive whole within its read time", path);
            refuse(response, BranchResponse.Status.BAD_REQUEST, "BODY_INCOMPLETE",
                    "the body did not arrive whole within the participant's read time");
            return;
        }
        if (signer != null && !authenticated(() -> RequestSigner.verifyBody(header, body), request, path, response)) {
            return;
        }
        request.setAttribute(BODY, body);
        chain.doFilter(request, response);
    }

    private interface Check {
        void run() throws RequestSigner.SignatureRejectedException;
    }

    private boolean authenticated(Check check, HttpServletRequest request, String path, HttpServletResponse response)
            throws IOException {
        try {
            check.run();
            return true;
        } catch (RequestSigner.SignatureRejectedException e) {
            // the details help an operator, and would help an attacker: the log has them, throttled, the answer not
            unauthenticated.record("refused an unauthenticated branch call from {} to {} (xid {}): {}",
                    request.getRemoteAddr(), path, request.getHeader(TccHeaders.XID), e.getMessage());
            refuse(response, BranchResponse.Status.UNAUTHORIZED, "UNAUTHENTICATED",
                    "the request is not authenticated; the participant's log says why");
            return false;
        }
    }

    /** The whole body, or null when it ended early or did not arrive within the read time (checked between reads). */
    private byte[] readBody(HttpServletRequest request, int length) throws IOException {
        byte[] body = new byte[length];
        long deadline = System.nanoTime() + bodyReadNanos;
        try (InputStream in = request.getInputStream()) {
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0 || System.nanoTime() - deadline > 0) {
                    return null;
                }
                read += n;
            }
        } catch (IOException e) {
            log.debug("could not read the body of a branch call: {}", e.toString());
            return null;
        }
        return body;
    }

    /**
     * Answers, and asks for the connection to be closed rather than the rest of an unread body read (on Tomcat the
     * valve Boot installs makes sure of it).
     */
    private void refuse(HttpServletResponse response, BranchResponse.Status status, String reason, String message)
            throws IOException {
        response.setStatus(status.httpStatus());
        response.setHeader("Connection", "close");
        response.setContentType("application/json");
        byte[] answer = json.writeValueAsBytes(new BranchResponse(status, null, reason, message, null));
        response.setContentLength(answer.length);
        response.getOutputStream().write(answer);
        response.flushBuffer();
    }
}
