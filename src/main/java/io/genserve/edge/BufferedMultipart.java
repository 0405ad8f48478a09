package io.genserve.edge;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import org.apache.catalina.core.ApplicationPart;
import org.apache.tomcat.util.http.fileupload.FileItem;
import org.apache.tomcat.util.http.fileupload.FileUpload;
import org.apache.tomcat.util.http.fileupload.FileUploadException;
import org.apache.tomcat.util.http.fileupload.UploadContext;
import org.apache.tomcat.util.http.fileupload.disk.DiskFileItemFactory;

/**
 * Parses a buffered multipart/form-data body with the parser Tomcat itself uses for
 * {@code request.getParts()} (its copy of Commons FileUpload), under the same limits Spring Boot
 * gives Tomcat ({@code spring.servlet.multipart.*}) and Tomcat's own part-count and part-header
 * limits: the only difference from the container is where the bytes come from. Parts stay in
 * memory (the body is already there). Stateless.
 */
final class BufferedMultipart {
    /** Tomcat's default {@code maxPartCount}: far more than any endpoint takes. */
    static final int MAX_PARTS = 10;
    /** Tomcat's default {@code maxPartHeaderSize}. */
    static final int MAX_PART_HEADER = 512;

    private BufferedMultipart() {}

    /**
     * @throws IllegalStateException wrapping the parser's exception, as Tomcat's {@code getParts()}
     *     does, so that Spring MVC maps size limits to {@code MaxUploadSizeExceededException} (413)
     *     and the rest to a malformed-multipart {@code MultipartException} (400)
     */
    static List<Part> parse(BufferedBody body, String contentType, Charset charset, MultipartConfigElement config) {
        // Parts are never written to disk: the threshold covers the whole body.
        DiskFileItemFactory factory = new DiskFileItemFactory(Math.max(1, body.length() + 1), null);
        FileUpload upload = new FileUpload();
        upload.setFileItemFactory(factory);
        upload.setFileCountMax(MAX_PARTS);
        upload.setPartHeaderSizeMax(MAX_PART_HEADER);
        if (config != null) {
            upload.setFileSizeMax(config.getMaxFileSize());
            upload.setSizeMax(config.getMaxRequestSize());
        }
        upload.setHeaderEncoding(charset.name());
        try {
            List<Part> parts = new ArrayList<>();
            for (FileItem item : upload.parseRequest(context(body, contentType, charset))) {
                parts.add(new ApplicationPart(item, new File(System.getProperty("java.io.tmpdir"))));
            }
            return parts;
        } catch (FileUploadException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UploadContext context(BufferedBody body, String contentType, Charset charset) {
        return new UploadContext() {
            @Override
            public long contentLength() {
                return body.length();
            }

            @Override
            public String getCharacterEncoding() {
                return charset.name();
            }

            @Override
            public String getContentType() {
                return contentType;
            }

            @Override
            public InputStream getInputStream() {
                return new ByteArrayInputStream(body.bytes(), 0, body.length());
            }
        };
    }
}
