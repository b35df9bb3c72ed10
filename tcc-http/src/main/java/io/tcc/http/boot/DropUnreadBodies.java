package io.tcc.http.boot;

import java.io.IOException;

import jakarta.servlet.ServletException;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

import io.tcc.http.BranchCallGate;

/**
 * Tomcat reads the rest of a body the application left unread before it lets go of a request thread, however slowly
 * the client sends it. For a call {@link BranchCallGate} refused without reading it, this valve tells Tomcat to close
 * the connection instead: a client without the secret cannot hold a thread by trickling its body.
 */
final class DropUnreadBodies extends ValveBase {

    DropUnreadBodies() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        getNext().invoke(request, response);
        if (request.getAttribute(BranchCallGate.UNREAD_BODY) != null) {
            request.getCoyoteRequest().action(ActionCode.DISABLE_SWALLOW_INPUT, null);
        }
    }
}
