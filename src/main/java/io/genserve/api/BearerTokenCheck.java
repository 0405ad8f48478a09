package io.genserve.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Lets a management request through only with {@code Authorization: Bearer <token>}; anything
 * else is answered 401 before the request body is read or anything is done. The comparison
 * takes the same time however much of the token matches. Thread-safe.
 */
final class BearerTokenCheck implements HandlerInterceptor {
    private final byte[] expected;

    BearerTokenCheck(String token) {
        this.expected = ("Bearer " + token.strip()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        String given = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (given != null && MessageDigest.isEqual(expected, given.strip().getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"genserve-management\"");
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream()
                .write((given == null
                                ? "{\"error\":\"model management needs an Authorization: Bearer token\"}"
                                : "{\"error\":\"the bearer token is not the management token\"}")
                        .getBytes(StandardCharsets.UTF_8));
        return false;
    }
}
