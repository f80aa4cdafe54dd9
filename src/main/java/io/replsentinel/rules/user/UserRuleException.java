package io.replsentinel.rules.user;

/** A user rule that cannot run; its message names the configuration key at fault. */
public class UserRuleException extends RuntimeException {
    private final String key;

    public UserRuleException(String key, String problem) {
        super("Invalid configuration " + key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
