package io.tcc.http.boot;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Spring Boot's error path ({@code /error}) as JSON, in place of its whitelabel page and its body without a reason:
 * where a servlet container forwards every error Spring MVC raises (405, 415, a path nothing serves, a body it cannot
 * read) and every exception no handler caught. Backs off when the application has an {@link ErrorController} of its own.
 */
@Controller
public class JsonErrorController implements ErrorController {

    @RequestMapping("${server.error.path:${error.path:/error}}")
    public ResponseEntity<byte[]> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // asked for directly, not forwarded to with an error: there is nothing here
        int status = code instanceof Integer c && c >= 400 ? c : 404;
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).header("Cache-Control", "no-store")
                .body(JsonErrors.bytes(JsonErrors.describe(status, false)));
    }
}
