package io.tcc.http.boot;

import java.io.IOException;

import jakarta.servlet.ServletException;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

/**
 * Tomcat reads the rest of a body the application left unread before it lets go of the request thread, however slowly
 * the client sends it. For a refused request (any 4xx or 5xx answer) this valve tells Tomcat to close the connection
 * instead: a client refused before its body was read (unsigned, no token, too large) cannot hold a thread by
 * trickling the body. The answer says {@code Connection: close}, so a client does not send its next request on a
 * connection about to close; an answer already sent without it keeps the connection and Tomcat's usual reading.
 */
final class DropUnreadBodies extends ValveBase {

    DropUnreadBodies() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        getNext().invoke(request, response);
        if (response.getStatus() < 400 || request.getCoyoteRequest().isFinished()) {
            return;
        }
        if (!response.isCommitted()) {
            response.setHeader("Connection", "close");
        }
        if ("close".equalsIgnoreCase(response.getHeader("Connection"))) {
            request.getCoyoteRequest().action(ActionCode.DISABLE_SWALLOW_INPUT, null);
        }
    }
}
