package io.tcc.test.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One request as the fuzzer builds it: any method, target, version, headers (in order, duplicates allowed, any byte as
 * a character of ISO-8859-1) and body, and how the body is framed. Records the mutations applied to it.
 */
public final class FuzzRequest {

    /** How the body is framed on the wire. */
    public enum Framing {
        /** Content-Length: the body's length (the normal case). */
        LENGTH,
        /** Content-Length larger than the body sent: a truncated body. */
        LONGER,
        /** Transfer-Encoding: chunked, well formed. */
        CHUNKED,
        /** Transfer-Encoding: chunked with a chunk size that is not hexadecimal. */
        CHUNKED_BROKEN,
        /** Two Content-Length headers that disagree. */
        LENGTH_TWICE,
        /** A Content-Length that is not a number. */
        LENGTH_GARBAGE
    }

    public String method;
    public String target;
    public String version = "HTTP/1.1";
    public final List<String[]> headers = new ArrayList<>();
    public byte[] body;
    public Framing framing = Framing.LENGTH;
    final List<String> mutations = new ArrayList<>();

    public FuzzRequest(String method, String target, byte[] body) {
        this.method = method;
        this.target = target;
        this.body = body;
    }

    /** The path part of the target (what a signature covers). */
    public String path() {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /** The first value of a header, names compared without case, as servers read it; null when absent. */
    public String first(String name) {
        for (String[] header : headers) {
            if (header[0].equalsIgnoreCase(name)) {
                return header[1];
            }
        }
        return null;
    }

    public FuzzRequest add(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    /** Replaces every header of that name by one with this value, in the first one's place. */
    public FuzzRequest set(String name, String value) {
        int at = -1;
        for (int i = headers.size() - 1; i >= 0; i--) {
            if (headers.get(i)[0].equalsIgnoreCase(name)) {
                headers.remove(i);
                at = i;
            }
        }
        headers.add(at < 0 ? headers.size() : at, new String[] {name, value});
        return this;
    }

    public FuzzRequest remove(String name) {
        headers.removeIf(header -> header[0].equalsIgnoreCase(name));
        return this;
    }

    public List<String> mutations() {
        return mutations;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method).append(' ').append(target);
        if (!version.isEmpty()) {
            head.append(' ').append(version);
        }
        head.append("\r\n");
        for (String[] header : headers) {
            head.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        switch (framing) {
            case LENGTH -> head.append("Content-Length: ").append(body.length).append("\r\n");
            case LONGER -> head.append("Content-Length: ").append(body.length + 1 + body.length / 2).append("\r\n");
            case CHUNKED, CHUNKED_BROKEN -> head.append("Transfer-Encoding: chunked\r\n");
            case LENGTH_TWICE -> head.append("Content-Length: ").append(body.length).append("\r\nContent-Length: ")
                    .append(body.length + 7).append("\r\n");
            case LENGTH_GARBAGE -> head.append("Content-Length: 1x").append(body.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (framing == Framing.CHUNKED || framing == Framing.CHUNKED_BROKEN) {
            int half = body.length / 2;
            chunk(out, body, 0, half);
            if (framing == Framing.CHUNKED_BROKEN) {
                out.writeBytes("zz\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            chunk(out, body, half, body.length);
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, byte[] body, int from, int to) {
        if (to > from) {
            out.writeBytes((Integer.toHexString(to - from) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, from, to - from);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** The mutations and the start of the request, with control characters shown, for a failure message. */
    public String describe() {
        String text = new String(bytes(), 0, Math.min(bytes().length, 600), StandardCharsets.ISO_8859_1);
        StringBuilder shown = new StringBuilder();
        text.chars().forEach(c -> shown.append(c == '\n' ? "\\n\n    " : c < 0x20 || c == 0x7f || c > 0xff
                ? String.format(Locale.ROOT, "\\x%02x", c) : String.valueOf((char) c)));
        return mutations + " (" + bytes().length + " bytes)\n    " + shown;
    }
}
