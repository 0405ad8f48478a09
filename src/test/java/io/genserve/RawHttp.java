package io.genserve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for what a well-behaved client library will not send: malformed
 * URIs and chunks, TRACE, bodies that trickle in. Each exchange uses its own connection.
 */
public final class RawHttp {
    private RawHttp() {}

    /** A response as text: status line, headers and body (bodies of these tests are small). */
    public record Answer(int status, String head, String body) {
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }
    }

    /** Sends {@code request} as is and reads the answer until the server closes or {@code timeoutMs} pass quietly. */
    public static Answer exchange(int port, String request, int timeoutMs) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(timeoutMs);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return parse(readUntilQuiet(s.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] readUntilQuiet(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                if (complete(out.toByteArray())) {
                    break;
                }
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // quiet or reset: what arrived is the answer
        }
        return out.toByteArray();
    }

    /** Headers and a body of the announced Content-Length are in. */
    private static boolean complete(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        Answer a = parse(bytes);
        String length = a.header("Content-Length");
        return length != null && a.body().getBytes(StandardCharsets.ISO_8859_1).length >= Integer.parseInt(length);
    }

    public static Answer parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + 4);
        int status = -1;
        if (head.startsWith("HTTP/1.")) {
            status = Integer.parseInt(head.substring(9, 12));
        }
        return new Answer(status, head, body);
    }
}
