package io.genserve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ```bash blocks of README.md, read into the commands bash would run: the one extraction the
 * README tests share (ReadmeJqTest, ReadmeCommandsTest, ReadmeManagementCommandsTest,
 * ReadmeCommandChecksTest). Two kinds of block: a <em>transcript</em> has lines starting with
 * {@code "$ "}, each a command, and the lines after a command, up to the next one, are what it
 * prints; in any other block every line is a command. A command goes on over the next lines while a
 * quote or a {@code $(} is open or the line ends with a backslash, as in bash. Immutable.
 */
public final class Readme {
    public static final Path PATH = Path.of("README.md");

    /** A fence, possibly indented (a block inside a list item), and its language. */
    private static final Pattern FENCE = Pattern.compile("^( *)```(\\S*)\\s*$");

    private Readme() {}

    /** A line of README.md: its number, counted from 1, and its text. */
    public record Line(int number, String text) {}

    /**
     * One command.
     *
     * @param line the README line it starts on
     * @param text what bash gets: its lines as the README writes them, without the {@code "$ "} prompt
     * @param expected in a transcript, what the README shows it prints (a line that starts with exactly
     *     one space continues the line above: the README wraps long JSON answers so), else empty
     */
    public record Command(int line, String text, List<Line> expected) {
        /** The text without comments and with continued lines joined: what the command does. */
        public String code() {
            return Shell.code(text);
        }

        /**
         * The words bash would split {@link #code()} into, quotes removed and nothing expanded
         * ({@code "$PWD/x"} stays {@code $PWD/x}); operators such as {@code &&} are words of their own.
         */
        public List<String> words() {
            return Shell.words(code());
        }

        /** The first line, as the README writes it: how messages and lists name a command. */
        public String firstLine() {
            return text.lines().findFirst().orElse("");
        }
    }

    /** One ```bash block: the README line of its opening fence, and its commands in order. */
    public record Block(int line, boolean transcript, List<Command> commands) {
        /** The commands as one script, one after the other (for {@code bash -n}). */
        public String script() {
            StringBuilder s = new StringBuilder();
            commands.forEach(c -> s.append(c.text()).append('\n'));
            return s.toString();
        }
    }

    /** Every ```bash block of README.md, in order. */
    public static List<Block> blocks() {
        try {
            return parse(Files.readAllLines(PATH));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every command of every ```bash block, in order. */
    public static List<Command> commands() {
        return blocks().stream().flatMap(b -> b.commands().stream()).toList();
    }

    static List<Block> parse(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches() || open.group(2).isEmpty()) {
                continue;
            }
            int indent = open.group(1).length();
            List<Line> body = new ArrayList<>();
            int close = i + 1;
            for (; close < lines.size(); close++) {
                Matcher end = FENCE.matcher(lines.get(close));
                if (end.matches() && end.group(2).isEmpty()) {
                    break;
                }
                String text = lines.get(close);
                int strip = Math.min(indent, text.length() - text.stripLeading().length());
                body.add(new Line(close + 1, text.substring(strip)));
            }
            if (close == lines.size()) {
                throw new IllegalStateException("README.md:" + (i + 1) + ": a code block that is never closed");
            }
            if (open.group(2).equals("bash")) {
                boolean transcript = body.stream().anyMatch(l -> l.text().startsWith("$ "));
                blocks.add(new Block(i + 1, transcript, transcript ? transcript(body) : plain(body)));
            }
            i = close;
        }
        return List.copyOf(blocks);
    }

    private static List<Command> transcript(List<Line> body) {
        List<Command> commands = new ArrayList<>();
        int i = 0;
        while (i < body.size()) {
            Line first = body.get(i);
            if (!first.text().startsWith("$ ")) {
                throw new IllegalStateException(
                        "README.md:" + first.number() + ": a transcript line before any \"$ \" command");
            }
            StringBuilder text = new StringBuilder(first.text().substring(2));
            for (i++; !Shell.complete(text.toString()); i++) {
                if (i == body.size()) {
                    throw new IllegalStateException(
                            "README.md:" + first.number() + ": the command never ends (an open quote or $( )");
                }
                text.append('\n').append(body.get(i).text());
            }
            List<Line> expected = new ArrayList<>();
            for (; i < body.size() && !body.get(i).text().startsWith("$ "); i++) {
                Line l = body.get(i);
                boolean continues = l.text().length() > 1
                        && l.text().charAt(0) == ' '
                        && l.text().charAt(1) != ' ';
                if (continues && !expected.isEmpty()) {
                    Line previous = expected.remove(expected.size() - 1);
                    expected.add(new Line(
                            previous.number(), previous.text() + l.text().substring(1)));
                } else {
                    expected.add(l);
                }
            }
            commands.add(new Command(first.number(), text.toString(), List.copyOf(expected)));
        }
        return commands;
    }

    private static List<Command> plain(List<Line> body) {
        List<Command> commands = new ArrayList<>();
        int i = 0;
        while (i < body.size()) {
            Line first = body.get(i);
            String stripped = first.text().strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                i++; // a blank line or a comment of its own, between commands
                continue;
            }
            StringBuilder text = new StringBuilder(first.text());
            for (i++; !Shell.complete(text.toString()); i++) {
                if (i == body.size()) {
                    throw new IllegalStateException(
                            "README.md:" + first.number() + ": the command never ends (an open quote or $( )");
                }
                text.append('\n').append(body.get(i).text());
            }
            commands.add(new Command(first.number(), text.toString(), List.of()));
        }
        return commands;
    }

    /** As much of bash's quoting as the README's commands use: quotes, $( ), comments, backslashes. */
    private static final class Shell {
        /** Whether bash would run this text as it is, rather than wait for more lines. */
        static boolean complete(String text) {
            return scan(text, null);
        }

        static String code(String text) {
            StringBuilder out = new StringBuilder();
            scan(text, out);
            return out.toString().strip();
        }

        static List<String> words(String code) {
            List<String> words = new ArrayList<>();
            StringBuilder word = null;
            char quote = 0;
            for (int i = 0; i < code.length(); i++) {
                char c = code.charAt(i);
                if (quote == 0 && Character.isWhitespace(c)) {
                    if (word != null) {
                        words.add(word.toString());
                        word = null;
                    }
                    continue;
                }
                word = word == null ? new StringBuilder() : word;
                if (quote == 0 && (c == '\'' || c == '"')) {
                    quote = c;
                } else if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote != '\'' && i + 1 < code.length()) {
                    word.append(code.charAt(++i));
                } else {
                    word.append(c);
                }
            }
            if (word != null) {
                words.add(word.toString());
            }
            return words;
        }

        /** Scans the text; appends to out (if given) what is not a comment, continued lines joined. */
        private static boolean scan(String text, StringBuilder out) {
            boolean single = false;
            boolean dbl = false;
            int depth = 0;
            boolean continued = false;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                continued = false;
                if (single) {
                    single = c != '\'';
                } else if (dbl) {
                    if (c == '\\' && i + 1 < text.length()) {
                        append(out, c);
                        c = text.charAt(++i);
                    } else {
                        dbl = c != '"';
                    }
                } else if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                    c = ' '; // a continued line: bash joins the two
                    continued = false;
                } else if (c == '\\' && i + 1 == text.length()) {
                    continued = true;
                    continue;
                } else if (c == '\\') {
                    append(out, c);
                    c = text.charAt(++i);
                } else if (c == '#' && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
                    int eol = text.indexOf('\n', i);
                    i = (eol < 0 ? text.length() : eol) - 1; // a comment: up to the end of the line
                    continue;
                } else if (c == '\'') {
                    single = true;
                } else if (c == '"') {
                    dbl = true;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                append(out, c);
            }
            return !single && !dbl && depth <= 0 && !continued;
        }

        private static void append(StringBuilder out, char c) {
            if (out != null) {
                out.append(c);
            }
        }
    }
}
