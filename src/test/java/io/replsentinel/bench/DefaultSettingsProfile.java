package io.replsentinel.bench;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Runs the service with its shipped defaults: none of the test profile's shortened holds. */
public class DefaultSettingsProfile implements QuarkusTestProfile {

    @Override
    public String getConfigProfile() {
        return "bench";
    }
}
