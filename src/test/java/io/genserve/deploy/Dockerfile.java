package io.genserve.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * The top-level Dockerfile, read into stages and instructions: enough of the format for the drift
 * test to do what a build would (continuation lines, comments, parser directives, stages, flags,
 * exec-form JSON arrays and ENV pairs), and to refuse what it does not understand.
 */
record Dockerfile(Map<String, String> globalArgs, List<Stage> stages) {
    static final Path PATH = Path.of("Dockerfile");

    /** One instruction: keyword upper-cased, its --flags, and the rest of the line. */
    record Instruction(String keyword, Map<String, String> flags, String arguments) {
        /** Shell-form words of the arguments; JSON exec form when it starts with '['. */
        List<String> words() {
            if (arguments.startsWith("[")) {
                return List.of(JsonMapper.builder().build().readValue(arguments, String[].class));
            }
            return List.of(arguments.trim().split("\\s+"));
        }
    }

    record Stage(String name, String from, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .toList();
        }

        Instruction one(String keyword) {
            List<Instruction> found = all(keyword);
            if (found.size() != 1) {
                throw new AssertionError(
                        "stage " + name + " has " + found.size() + " " + keyword + " instructions, expected 1");
            }
            return found.get(0);
        }

        /** ENV pairs in order (KEY=VALUE form, values optionally double-quoted, no expansions). */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction i : all("ENV")) {
                Matcher m = ENV_PAIR.matcher(i.arguments());
                int end = 0;
                while (m.find() && m.start() == end) {
                    String value = m.group(2) != null ? m.group(2) : m.group(3);
                    if (value.contains("$")) {
                        throw new AssertionError("ENV " + m.group(1) + " uses an expansion the drift test does not do");
                    }
                    env.put(m.group(1), value);
                    end = m.end();
                }
                if (end != i.arguments().length()) {
                    throw new AssertionError("ENV not in KEY=VALUE form: " + i.arguments());
                }
            }
            return env;
        }
    }

    private static final Pattern ENV_PAIR = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)=(?:\"([^\"]*)\"|(\\S*))\\s*");
    private static final Pattern FLAG = Pattern.compile("--([a-z-]+)=(\\S+)\\s+");

    static Dockerfile read() {
        try {
            return parse(Files.readString(PATH));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Dockerfile parse(String text) {
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                continue; // comments, parser directives and blank lines, also inside continuations
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            if (!current.toString().isBlank()) {
                logical.add(current.toString().strip());
            }
            current.setLength(0);
        }
        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        List<Instruction> instructions = null;
        for (String line : logical) {
            String[] parts = line.split("\\s+", 2);
            String keyword = parts[0].toUpperCase();
            String rest = parts.length > 1 ? parts[1] : "";
            Map<String, String> flags = new LinkedHashMap<>();
            Matcher flag = FLAG.matcher(rest);
            while (flag.lookingAt()) {
                flags.put(flag.group(1), flag.group(2));
                rest = rest.substring(flag.end());
                flag = FLAG.matcher(rest);
            }
            if (keyword.equals("FROM")) {
                String[] from = rest.split("\\s+");
                String name = from.length == 3 && from[1].equalsIgnoreCase("AS") ? from[2] : "stage" + stages.size();
                instructions = new ArrayList<>();
                stages.add(new Stage(name, from[0], instructions));
            } else if (instructions == null) {
                if (!keyword.equals("ARG")) {
                    throw new AssertionError("only ARG may come before the first FROM: " + line);
                }
                String[] kv = rest.split("=", 2);
                globalArgs.put(kv[0], kv.length > 1 ? kv[1] : null);
            } else {
                instructions.add(new Instruction(keyword, Map.copyOf(flags), rest));
            }
        }
        return new Dockerfile(Map.copyOf(globalArgs), List.copyOf(stages));
    }

    Stage stage(String name) {
        return stages.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("Dockerfile has no stage " + name));
    }

    /** The last stage: what docker build produces without --target. */
    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }
}
