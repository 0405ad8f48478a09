package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The spelling of a manifest enum constant as manifests and answers write it (its {@code @JsonProperty}). */
public final class EnumNames {
    private EnumNames() {}

    public static String of(Enum<?> constant) {
        try {
            JsonProperty p =
                    constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class);
            return p == null ? constant.name() : p.value();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }
}
