package io.tcc.internal;

/**
 * The body of every error the framework's HTTP endpoints answer, shaped like a participant's typed answer:
 * {@code {"status": "BAD_REQUEST", "reason": "<stable code>", "message": "<safe text>"}}. The message is for people and
 * never holds SQL, stack traces, class names or secrets; programs read the reason.
 *
 * @param status the HTTP status by name, with a participant's names where they exist (UNAUTHORIZED, TOO_LARGE, ERROR)
 */
public record ErrorBody(String status, String reason, String message) {

    public static ErrorBody of(int httpStatus, String reason, String message) {
        return new ErrorBody(statusName(httpStatus), reason, message);
    }

    /** The name of an HTTP status; codes without one here are "CLIENT_ERROR" or "ERROR". */
    public static String statusName(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHORIZED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 408 -> "REQUEST_TIMEOUT";
            case 409 -> "CONFLICT";
            case 411 -> "LENGTH_REQUIRED";
            case 413 -> "TOO_LARGE";
            case 414 -> "URI_TOO_LONG";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            case 431 -> "HEADERS_TOO_LARGE";
            case 501 -> "NOT_IMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 505 -> "HTTP_VERSION_NOT_SUPPORTED";
            default -> httpStatus < 500 ? "CLIENT_ERROR" : "ERROR";
        };
    }
}
