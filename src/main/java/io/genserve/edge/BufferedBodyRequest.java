package io.genserve.edge;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request whose body was read whole by {@link BodyIntakeFilter}: its input stream, reader,
 * parameters and multipart parts all come from the buffered bytes, never from the connection
 * (which has nothing more to give). Multipart bodies are parsed by {@link BufferedMultipart}.
 * Not thread-safe, like the request it wraps.
 */
final class BufferedBodyRequest extends HttpServletRequestWrapper {
    private final BufferedBody body;
    private final MultipartConfigElement multipartConfig;
    private List<Part> parts;
    private RuntimeException partsFailure;
    private Map<String, String[]> parameters;

    BufferedBodyRequest(HttpServletRequest request, BufferedBody body, MultipartConfigElement multipartConfig) {
        super(request);
        this.body = body;
        this.multipartConfig = multipartConfig;
    }

    @Override
    public ServletInputStream getInputStream() {
        ByteArrayInputStream in = new ByteArrayInputStream(body.bytes(), 0, body.length());
        return new ServletInputStream() {
            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                try {
                    listener.onDataAvailable();
                    listener.onAllDataRead();
                } catch (IOException e) {
                    listener.onError(e);
                }
            }

            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, len);
            }
        };
    }

    @Override
    public BufferedReader getReader() {
        return new BufferedReader(new InputStreamReader(getInputStream(), charset()));
    }

    @Override
    public int getContentLength() {
        return body.length();
    }

    @Override
    public long getContentLengthLong() {
        return body.length();
    }

    @Override
    public Collection<Part> getParts() throws IOException, ServletException {
        if (parts == null && partsFailure == null) {
            if (!isMultipart()) {
                throw new ServletException("not a multipart/form-data request");
            }
            try {
                parts = BufferedMultipart.parse(body, getContentType(), charset(), multipartConfig);
            } catch (RuntimeException e) {
                partsFailure = e;
            }
        }
        if (partsFailure != null) {
            throw partsFailure;
        }
        return parts;
    }

    @Override
    public Part getPart(String name) throws IOException, ServletException {
        for (Part p : getParts()) {
            if (p.getName().equals(name)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public String getParameter(String name) {
        String[] values = parameters().get(name);
        return values == null ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return Collections.unmodifiableMap(parameters());
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(parameters().keySet());
    }

    @Override
    public String[] getParameterValues(String name) {
        String[] values = parameters().get(name);
        return values == null ? null : values.clone();
    }

    /**
     * Query parameters, then form fields: the text parts of a multipart body, or the pairs of a
     * urlencoded one. The container's own parameter parsing would read the (consumed) connection.
     */
    private Map<String, String[]> parameters() {
        if (parameters != null) {
            return parameters;
        }
        Map<String, List<String>> all = new LinkedHashMap<>();
        addPairs(getQueryString(), StandardCharsets.UTF_8, all);
        String type = getContentType() == null ? "" : getContentType().toLowerCase(Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            addPairs(new String(body.bytes(), 0, body.length(), charset()), charset(), all);
        } else if (isMultipart()) {
            try {
                for (Part p : getParts()) {
                    if (p.getSubmittedFileName() == null) {
                        all.computeIfAbsent(p.getName(), k -> new ArrayList<>())
                                .add(new String(p.getInputStream().readAllBytes(), partCharset(p)));
                    }
                }
            } catch (IOException | ServletException | RuntimeException e) {
                // A malformed multipart body is reported where its parts are asked for; parameters stay the query's.
            }
        }
        Map<String, String[]> out = new LinkedHashMap<>();
        all.forEach((k, v) -> out.put(k, v.toArray(String[]::new)));
        parameters = out;
        return parameters;
    }

    private boolean isMultipart() {
        String type = getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    private Charset partCharset(Part p) {
        String type = p.getContentType();
        if (type != null) {
            int i = type.toLowerCase(Locale.ROOT).indexOf("charset=");
            if (i >= 0) {
                return charsetOr(type.substring(i + 8).replace("\"", "").strip(), charset());
            }
        }
        return charset();
    }

    private Charset charset() {
        return charsetOr(getCharacterEncoding(), StandardCharsets.UTF_8);
    }

    private static Charset charsetOr(String name, Charset fallback) {
        if (name == null || name.isBlank()) {
            return fallback;
        }
        try {
            return Charset.forName(name.strip());
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return fallback;
        }
    }

    private static void addPairs(String encoded, Charset charset, Map<String, List<String>> into) {
        if (encoded == null || encoded.isEmpty()) {
            return;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                into.computeIfAbsent(URLDecoder.decode(k, charset), x -> new ArrayList<>())
                        .add(URLDecoder.decode(v, charset));
            } catch (IllegalArgumentException e) {
                // a malformed %-escape: the pair is left out, as the container does
            }
        }
    }
}
