package io.tcc.http.boot;

import io.tcc.internal.ErrorBody;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a client is told about an error the application's own code did not answer: Tomcat refusing a request it could
 * not parse, Spring MVC refusing a method or content type, a path nothing serves, an exception no handler caught. One
 * table for {@link JsonErrorReportValve} and {@link JsonErrorController}, so every error body has the shape of
 * {@link ErrorBody}. The message is fixed per status: Tomcat's and Spring's own texts echo the request and name
 * classes, so they go to no one but the log.
 */
public final class JsonErrors {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonErrors() {
    }

    /** @param headersTooLarge Tomcat refused the request because its request line and headers exceed its buffer */
    public static ErrorBody describe(int status, boolean headersTooLarge) {
        if (headersTooLarge) {
            return ErrorBody.of(status, "HEADERS_TOO_LARGE", "the request line and headers are larger than this server"
                    + " accepts; nothing was done");
        }
        return switch (status) {
            case 400 -> ErrorBody.of(status, "BAD_REQUEST", "the request is malformed (its request line, a header, the"
                    + " URI's encoding or the body); nothing was done");
            case 401 -> ErrorBody.of(status, "UNAUTHENTICATED", "the request is not authenticated; nothing was done");
            case 403 -> ErrorBody.of(status, "FORBIDDEN", "the request is not allowed; nothing was done");
            case 404 -> ErrorBody.of(status, "NOT_FOUND", "nothing is served at this path");
            case 405 -> ErrorBody.of(status, "METHOD_NOT_ALLOWED", "this path does not take this method; nothing was done");
            case 406 -> ErrorBody.of(status, "NOT_ACCEPTABLE", "this path answers only JSON");
            case 408 -> ErrorBody.of(status, "REQUEST_TIMEOUT", "the request did not arrive in time; nothing was done");
            case 411 -> ErrorBody.of(status, "LENGTH_REQUIRED", "the request needs a Content-Length; nothing was done");
            case 413 -> ErrorBody.of(status, "TOO_LARGE", "the body is larger than this server accepts; nothing was done");
            case 414 -> ErrorBody.of(status, "URI_TOO_LONG", "the URI is longer than this server accepts; nothing was done");
            case 415 -> ErrorBody.of(status, "UNSUPPORTED_MEDIA_TYPE", "the body must be JSON, sent with"
                    + " 'Content-Type: application/json'; nothing was done");
            case 501 -> ErrorBody.of(status, "NOT_IMPLEMENTED", "this server does not implement the request's method or"
                    + " encoding; nothing was done");
            case 503 -> ErrorBody.of(status, "UNAVAILABLE", "the service is unavailable; try again later");
            case 505 -> ErrorBody.of(status, "HTTP_VERSION_NOT_SUPPORTED", "this server speaks HTTP/1.1 (and 1.0);"
                    + " nothing was done");
            default -> status < 500
                    ? ErrorBody.of(status, "CLIENT_ERROR", "the request was refused; nothing was done")
                    : ErrorBody.of(status, "INTERNAL", "the service failed to answer; its log says why");
        };
    }

    public static byte[] bytes(ErrorBody body) {
        return JSON.writeValueAsBytes(body);
    }
}
