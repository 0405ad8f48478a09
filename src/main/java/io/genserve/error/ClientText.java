package io.genserve.error;

/**
 * Quotes client input inside an answer's {@code detail}: at most {@link #MAX} characters, with
 * control, format and other invisible characters escaped, so that an answer never echoes a huge
 * or terminal-garbling value back. Every message that repeats what a client sent goes through here.
 * Stateless.
 */
public final class ClientText {
    /** Characters of client input an answer repeats at most. */
    public static final int MAX = 64;

    private ClientText() {}

    /** {@code 'value'}, cut to {@link #MAX} characters (with {@code …}) and escaped. */
    public static String quote(Object value) {
        return value == null ? "null" : "'" + excerpt(value) + "'";
    }

    /** The value cut to {@link #MAX} characters (with {@code …}) and escaped, without quotes. */
    public static String excerpt(Object value) {
        if (value == null) {
            return null;
        }
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < s.length() && shown < MAX; ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            shown++;
            if (isInvisible(cp)) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        }
        if (s.codePointCount(0, s.length()) > MAX) {
            out.append('…');
        }
        return out.toString();
    }

    /** The first control, format (zero-width, bidi) or unassigned character, or -1 when there is none. */
    public static int firstInvisible(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isInvisible(cp)) {
                return cp;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    private static boolean isInvisible(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE
                || type == Character.SURROGATE
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }
}
