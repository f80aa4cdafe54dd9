package io.replsentinel.pipeline;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Starts the {@link Lab} servers before the service and hands it their inventory. */
public class LabResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Lab.start();
    }

    @Override
    public void stop() {
        Lab.stop();
    }
}
