package io.genserve.api;

import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Multipart requests are as strict as JSON bodies (where Jackson refuses unknown fields): a part
 * the endpoint does not read ({@code -F lable=x}, an extra file), a field sent twice, a file where
 * a text field belongs or text where a file belongs is a 400 naming the field and the nearest one,
 * instead of being ignored. The fields are the handler method's own {@code @RequestPart} and
 * {@code @RequestParam} parameters, so every multipart endpoint is covered with nothing to list
 * here. Query parameters of a multipart request count as its fields, as Spring binds them alike.
 * Thread-safe.
 */
final class MultipartFields implements HandlerInterceptor {
    /** What an endpoint reads: field name → whether it is a file. */
    private final Map<HandlerMethod, Map<String, Boolean>> fields = new ConcurrentHashMap<>();
    /** The fields of an endpoint that takes any field (a {@code @RequestParam Map}): nothing to check. */
    private static final Map<String, Boolean> ANY = Map.of("*", true);

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (handler instanceof HandlerMethod method && request instanceof MultipartHttpServletRequest multipart) {
            Map<String, Boolean> known = fields.computeIfAbsent(method, MultipartFields::fieldsOf);
            if (known != ANY) {
                check(multipart, known);
            }
        }
        return true;
    }

    private static void check(MultipartHttpServletRequest request, Map<String, Boolean> known) {
        List<String> names = known.keySet().stream().sorted().toList();
        Map<String, Integer> seen = new LinkedHashMap<>();
        request.getMultiFileMap().forEach((name, files) -> seen.merge(name, files.size(), Integer::sum));
        // A malformed part can leave a name with no values (null): it was still sent once.
        request.getParameterMap()
                .forEach((name, values) -> seen.merge(name, values == null ? 1 : values.length, Integer::sum));
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            String name = e.getKey();
            Boolean file = known.get(name);
            if (file == null) {
                throw new BadInputException(ClientText.excerpt(name), ProblemMapper.unknownField(name, names));
            }
            if (e.getValue() > 1) {
                throw new BadInputException(name, "'" + name + "' was sent " + e.getValue() + " times; send it once");
            }
            if (file && !request.getMultiFileMap().containsKey(name)) {
                throw new BadInputException(
                        name, "'" + name + "' must be a file (curl: -F " + name + "=@photo.png), not a text field");
            }
            if (!file && request.getMultiFileMap().containsKey(name)) {
                throw new BadInputException(
                        name, "'" + name + "' is a text field (curl: -F " + name + "=value), not a file");
            }
        }
    }

    private static Map<String, Boolean> fieldsOf(HandlerMethod method) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (MethodParameter p : method.getMethodParameters()) {
            RequestPart part = p.getParameterAnnotation(RequestPart.class);
            RequestParam param = p.getParameterAnnotation(RequestParam.class);
            String name = part != null
                    ? first(part.name(), part.value())
                    : param != null ? first(param.name(), param.value()) : null;
            if (name == null) {
                continue;
            }
            if (param != null && Map.class.isAssignableFrom(p.getParameterType())) {
                return ANY;
            }
            out.put(
                    name.isEmpty() ? p.getParameterName() : name,
                    MultipartFile.class.isAssignableFrom(p.getParameterType()));
        }
        return Map.copyOf(out);
    }

    private static String first(String name, String value) {
        return name.isEmpty() ? value : name;
    }
}
