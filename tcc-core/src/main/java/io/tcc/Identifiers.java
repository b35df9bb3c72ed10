package io.tcc;

import java.util.regex.Pattern;


/**
 * The rules for the identifiers that travel with a transaction (in-process and as HTTP headers)
 * and key the logs. They are strict on purpose: printable ASCII only, so they can be logged,
 * put in a header and compared byte for byte in any database collation.
 */
public final class Identifiers {

    public static final int MAX_XID_LENGTH = 128;
    public static final int MAX_BRANCH_ID_LENGTH = 64;
    public static final int MAX_ACTION_LENGTH = 128;

    private static final Pattern XID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");
    private static final Pattern BRANCH_ID = XID;
    private static final Pattern ACTION = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");

    private Identifiers() {
    }

    public static String requireXid(String xid) {
        return require("xid", xid, MAX_XID_LENGTH, XID, "letters, digits and . _ : - (starting with a letter or digit)");
    }

    public static String requireBranchId(String branchId) {
        return require("branch id", branchId, MAX_BRANCH_ID_LENGTH, BRANCH_ID,
                "letters, digits and . _ : - (starting with a letter or digit)");
    }

    public static String requireAction(String action) {
        return require("action", action, MAX_ACTION_LENGTH, ACTION, "letters, digits and . _ - (starting with a letter)");
    }

    private static String require(String what, String value, int maxLength, Pattern pattern, String allowed) {
        if (value == null || value.isEmpty()) {
            throw new BadInputException(what + " is missing");
        }
        if (value.length() > maxLength) {
            throw new BadInputException(what + " is " + value.length() + " characters long; at most " + maxLength
                    + " are allowed");
        }
        if (!pattern.matcher(value).matches()) {
            throw new BadInputException(what + " '" + printable(value) + "' has characters other than " + allowed);
        }
        return value;
    }

    /** Shows an untrusted value in a message without letting it forge log lines. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder(value.length());
        value.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                out.appendCodePoint(c);
            } else {
                out.append(String.format("\\u%04x", c));
            }
        });
        return out.toString();
    }
}
