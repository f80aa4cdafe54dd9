package io.replsentinel.binlog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Listener settings for tests that drive {@link BinlogListener} without the service around it. */
record TestSettings(Path dir, Duration serverIdWait, long fallingBehindBytes, Duration positionCheckInterval,
                    Map<String, String> debezium) implements BinlogSettings {

    TestSettings(Path dir, Duration serverIdWait) {
        this(dir, serverIdWait, 64L << 20, Duration.ofSeconds(1), Map.of());
    }

    @Override public boolean enabled() { return true; }
    @Override public long serverIdMin() { return 4200000000L; }
    @Override public long serverIdMax() { return 4200009999L; }
    @Override public Optional<List<String>> tableInclude() { return Optional.empty(); }
    @Override public Optional<List<String>> tableExclude() { return Optional.empty(); }
    @Override public boolean keyValues() { return false; }
    @Override public String dataDir() { return dir.toString(); }
    @Override public Duration stateInterval() { return Duration.ofSeconds(10); }
    @Override public Duration restartBackoff() { return Duration.ofMillis(500); }
    @Override public Duration keepAliveInterval() { return Duration.ofSeconds(1); }
}
