package io.replsentinel.inventory;

/** A password that cannot leak through {@code toString}, logging or serialization by accident. */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value == null ? "" : value;
    }

    /** The clear text, for the one place that needs it: the JDBC login. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "******";
    }
}
