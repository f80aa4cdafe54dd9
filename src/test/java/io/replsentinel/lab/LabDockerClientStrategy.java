package io.replsentinel.lab;

import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.dockerclient.EnvironmentAndSystemPropertyClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;

import java.net.URI;

/**
 * Points Testcontainers at the lab's own {@link DockerEngine} (registered through
 * {@code META-INF/services}), ahead of the strategies that would find the system's default socket.
 * Applicable only while this JVM's engine runs, so it must be started before Testcontainers is first
 * used. Never persisted to {@code ~/.testcontainers.properties}: the socket lives for one run.
 */
public final class LabDockerClientStrategy extends DockerClientProviderStrategy {

    @Override
    public TransportConfig getTransportConfig() {
        DockerEngine engine = DockerEngine.running();
        if (engine == null) {
            throw new IllegalStateException("the lab's Docker engine is not running");
        }
        return TransportConfig.builder().dockerHost(URI.create(engine.dockerHost())).build();
    }

    /**
     * Where published ports are reached: the engine publishes on the host's loopback only
     * ({@code dockerd --ip 127.0.0.1}). Testcontainers would guess the bridge's gateway on a machine
     * that itself runs in a container ({@code /.dockerenv}), where nothing listens.
     */
    @Override
    public synchronized String getDockerHostIpAddress() {
        return "127.0.0.1";
    }

    @Override
    protected boolean isApplicable() {
        return DockerEngine.running() != null;
    }

    @Override
    protected boolean isPersistable() {
        return false;
    }

    @Override
    protected int getPriority() {
        return EnvironmentAndSystemPropertyClientProviderStrategy.PRIORITY + 50;
    }

    @Override
    public String getDescription() {
        DockerEngine engine = DockerEngine.running();
        return "the lab's private Docker engine (" + (engine == null ? "not running" : engine.dockerHost()) + ")";
    }
}
