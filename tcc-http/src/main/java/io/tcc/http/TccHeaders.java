package io.tcc.http;

/**
 * The wire format of a branch call: {@code POST <participant base URL>/tcc/<action>/<try|confirm|cancel>}, a JSON
 * array of the try's arguments as body (empty for confirm and cancel, which replay what the fence recorded), and
 * these headers. The answer is a {@link BranchResponse}.
 */
public final class TccHeaders {

    public static final String PATH_PREFIX = "/tcc/";
    public static final String XID = "Tcc-Xid";
    public static final String BRANCH = "Tcc-Branch";
    public static final String ACTION = "Tcc-Action";
    /** The transaction's deadline, epoch milliseconds. */
    public static final String DEADLINE = "Tcc-Deadline";
    /** When the initiator signed the request, epoch milliseconds. */
    public static final String TIMESTAMP = "Tcc-Timestamp";
    /**
     * Hex SHA-256 of the body. It is signed with the headers, so a participant authenticates a call before reading its
     * body, then checks the body against it.
     */
    public static final String CONTENT_SHA256 = "Tcc-Content-Sha256";
    /** Base64 HMAC-SHA256 of the canonical request; see {@link RequestSigner}. */
    public static final String SIGNATURE = "Tcc-Signature";

    private TccHeaders() {
    }
}
