package io.replsentinel.poll;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.smallrye.config.WithDefault;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.inventory.Secret;
import io.replsentinel.inventory.SentinelConfig;
import io.replsentinel.inventory.WatchedInstance;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * One instance's poller outside the service, for benchmarks: each {@code get()} runs one poll on
 * the calling thread (the work a pooled poll thread does: the statements, the status, its JSON)
 * and returns the status's JSON. Only JDK types cross its surface, so that a benchmark can load
 * it from another build's classes and run the two side by side.
 */
public final class PollHarness implements Supplier<String>, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final InstancePoller poller;
    private final ExecutorService workers = Executors.newCachedThreadPool();

    private static final SentinelConfig.Poll POLL = defaults(SentinelConfig.Poll.class);

    private PollHarness(WatchedInstance instance, boolean primary) {
        this(instance, primary, defaults(SentinelConfig.Poll.class));
    }

    private PollHarness(WatchedInstance instance, boolean primary, SentinelConfig.Poll poll) {
        this.poller = new InstancePoller(instance, poll, new ConnectionSettings(poll),
                defaults(SentinelConfig.Heartbeat.class), () -> new PollerIdentity("bench", 0), Clock.systemUTC(),
                workers, (i, readOnly, channels) -> primary);
    }

    /** A poller of {@code host:port} at the shipped poll settings, heartbeat on; {@code primary}: it may write the beat. */
    public static PollHarness of(String cluster, String host, int port, String user, String password, boolean primary) {
        return of(cluster, host, port, user, password, primary, true);
    }

    /** As {@link #of(String, String, int, String, String, boolean)}, the heartbeat on or (the shipped default) off. */
    public static PollHarness of(String cluster, String host, int port, String user, String password, boolean primary,
                                 boolean heartbeat) {
        return new PollHarness(new WatchedInstance(cluster, host, port, user, new Secret(password),
                Optional.of(primary ? "primary" : "replica"), Map.of(), heartbeat), primary);
    }

    /**
     * As {@link #of(String, String, int, String, String, boolean, boolean)}, with {@code tls} false:
     * {@code sentinel.poll.tls.mode=DISABLED} (and the RSA key fetched, which caching_sha2_password
     * then needs), to measure what TLS costs a poll. The shipped default stays {@code PREFERRED}.
     */
    public static PollHarness of(String cluster, String host, int port, String user, String password, boolean primary,
                                 boolean heartbeat, boolean tls) {
        if (tls) {
            return of(cluster, host, port, user, password, primary, heartbeat);
        }
        return new PollHarness(new WatchedInstance(cluster, host, port, user, new Secret(password),
                Optional.of(primary ? "primary" : "replica"), Map.of(), heartbeat), primary, plaintext(POLL));
    }

    /** {@code poll} with the monitoring connections in plaintext (and the RSA key fetched, which caching_sha2_password then needs). */
    static SentinelConfig.Poll plaintext(SentinelConfig.Poll poll) {
        SentinelConfig.Tls off = (SentinelConfig.Tls) Proxy.newProxyInstance(SentinelConfig.Tls.class.getClassLoader(),
                new Class<?>[] {SentinelConfig.Tls.class}, (proxy, m, args) ->
                        m.getName().equals("mode") ? SentinelConfig.TlsMode.DISABLED : m.invoke(poll.tls(), args));
        return (SentinelConfig.Poll) Proxy.newProxyInstance(SentinelConfig.Poll.class.getClassLoader(),
                new Class<?>[] {SentinelConfig.Poll.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "tls" -> off;
                    case "allowPublicKeyRetrieval" -> true;
                    default -> m.invoke(poll, args);
                });
    }

    /** The Connector/J properties of a monitoring login at the shipped settings. */
    public static Properties connectionProperties(String user, String password) {
        return new ConnectionSettings(POLL).properties(user, password);
    }

    /** The JDBC URL of a monitoring connection at the shipped settings. */
    public static String url(String host, int port) {
        return new ConnectionSettings(POLL).url(host, port);
    }

    @Override
    public String get() {
        long start = System.nanoTime();
        ReplicationStatus status = poller.finish(poller.observeNow(Instant.now(), start));
        try {
            // as the publisher writes it: bytes, not a string
            return new String(JSON.writeValueAsBytes(status), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        poller.close();
        workers.shutdownNow();
    }

    /** A config interface answering every method with its {@code @WithDefault} (nested groups likewise, optionals empty). */
    @SuppressWarnings("unchecked")
    static <T> T defaults(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("hashCode") ? System.identityHashCode(proxy)
                        : m.getName().equals("equals") ? proxy == args[0] : type.getSimpleName() + " defaults";
            }
            return valueOf(m);
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object valueOf(Method m) {
        Class<?> t = m.getReturnType();
        WithDefault d = m.getAnnotation(WithDefault.class);
        if (d == null) {
            if (t == Optional.class) {
                return Optional.empty();
            }
            if (t.isInterface()) {
                return defaults(t);
            }
            throw new IllegalStateException(m + " has no default");
        }
        String v = d.value();
        if (t == Duration.class) {
            return v.endsWith("ms") ? Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)))
                    : Duration.parse("PT" + v.toUpperCase());
        }
        if (t == int.class) {
            return Integer.parseInt(v);
        }
        if (t == long.class) {
            return Long.parseLong(v);
        }
        if (t == boolean.class) {
            return Boolean.parseBoolean(v);
        }
        if (t.isEnum()) {
            return Enum.valueOf((Class<Enum>) t, v);
        }
        return v;
    }
}
