package io.tcc.http.boot;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;

/**
 * Tomcat's error page, as JSON: what a client gets for a request Tomcat refuses before any servlet sees it (a header
 * too large, a control character in a header, a request line or URI it cannot parse), or for an error no error page
 * took. Installed on the host in place of Tomcat's {@link ErrorReportValve}, which answers HTML with no reason.
 */
public final class JsonErrorReportValve extends ErrorReportValve {

    /** Tomcat's own text for a request whose headers overflow its buffer, in the language it logs in. */
    private static final String HEADERS_TOO_LARGE =
            StringManager.getManager("org.apache.coyote.http11").getString("iib.requestheadertoolarge.error");

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        // as Tomcat's own valve: only errors, only once, only while nothing was written and the connection lives
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        boolean headersTooLarge = throwable != null && HEADERS_TOO_LARGE.equals(throwable.getMessage());
        String body = new String(JsonErrors.bytes(JsonErrors.describe(status, headersTooLarge)), StandardCharsets.UTF_8);
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding("utf-8");
            response.setHeader("Cache-Control", "no-store");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone, or the response was taken over: nothing left to tell it
        }
    }
}
