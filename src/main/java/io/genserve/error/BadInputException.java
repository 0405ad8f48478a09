package io.genserve.error;

/** The request itself is wrong: names the offending field and what is wrong with it. */
public class BadInputException extends GenserveException {
    private final String field;

    public BadInputException(String field, String problem) {
        super(problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
