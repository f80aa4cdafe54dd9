package io.replsentinel.api.auth;

/** The test profile's API tokens (application.properties, {@code %test.sentinel.api.*}). */
public final class TestTokens {
    public static final String ADMIN = "test-admin-token-0a7c41";
    public static final String APPROVER = "test-approve-token-5d2e90";
    public static final String READER = "test-read-token-c83b17";

    private TestTokens() {
    }
}
