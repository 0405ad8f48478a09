package io.genserve.error;

import java.util.List;

/** The request names a model the repository does not hold (or none of the task asked for). */
public class UnknownModelException extends GenserveException {
    private final String model;
    private final List<String> available;

    public UnknownModelException(String model, String problem, List<String> available) {
        super(problem);
        this.model = model;
        this.available = List.copyOf(available);
    }

    public String model() {
        return model;
    }

    public List<String> available() {
        return available;
    }
}
