package io.genserve.api;

import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import org.springframework.web.multipart.MultipartFile;

/** Reads image fields from multipart parts or from base64 / data-URI strings in JSON. Stateless. */
final class ImageUploads {
    private ImageUploads() {}

    static byte[] bytes(MultipartFile part) {
        if (part == null) {
            return null;
        }
        try {
            return part.getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plain base64 or a data URI ({@code data:image/png;base64,...}); null stays null. */
    static byte[] base64(String value, String field) {
        if (value == null) {
            return null;
        }
        String data = value.strip();
        if (data.startsWith("data:")) {
            int comma = data.indexOf(',');
            if (comma < 0 || !data.substring(0, comma).endsWith(";base64")) {
                throw new BadInputException(field, "'" + field + "' is a data URI without ';base64,'");
            }
            data = data.substring(comma + 1);
        }
        try {
            return Base64.getDecoder().decode(data.replaceAll("\\s", "")); // line breaks are common in pasted base64
        } catch (IllegalArgumentException e) {
            throw new BadInputException(
                    field, "'" + field + "' is not valid base64: " + ClientText.excerpt(e.getMessage()));
        }
    }
}
