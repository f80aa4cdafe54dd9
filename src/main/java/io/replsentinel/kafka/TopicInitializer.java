package io.replsentinel.kafka;

import io.quarkus.runtime.StartupEvent;
import io.replsentinel.inventory.SentinelConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the service's topics when they are missing, before the messaging channels start: otherwise
 * the first producer or consumer would have the broker auto-create them with its default partition
 * count (or fail where auto-creation is off). Topics that already exist are left as they are.
 * <p>
 * A Kafka that cannot be reached, or that refuses topic creation, does not stop the service: it is
 * logged, and readiness reports Kafka.
 */
@ApplicationScoped
public class TopicInitializer {

    private static final Logger LOG = Logger.getLogger(TopicInitializer.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @Inject
    SentinelConfig config;

    @Inject
    io.replsentinel.divergence.DivergenceConfig divergence;

    /** Every {@code kafka.*} setting (bootstrap servers, security), as Quarkus gives it to Kafka clients. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    /** Runs before SmallRye Reactive Messaging starts its channels (it observes at LIBRARY_BEFORE). */
    void createTopics(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        SentinelConfig.Topics topics = config.topics();
        List<String> names = List.of(topics.status(), topics.alerts(), topics.dlq(), divergence.topic(), topics.gtid(),
                topics.listeners(), topics.commands());
        try (Admin admin = Admin.create(adminConfig(kafkaConfig))) {
            Set<String> created = ensureTopics(admin, names, topics.partitions(), topics.replicationFactor(), TIMEOUT);
            if (!created.isEmpty()) {
                LOG.infof("Created Kafka topics %s (%d partitions, replication factor %d)",
                        created, topics.partitions(), topics.replicationFactor());
            }
            ensureStateTopic(admin, topics.status(), topics.alertState(), topics.replicationFactor(), TIMEOUT);
            // runtime clusters: compacted, partitioned as the statuses, so a cluster's records share its status partition
            ensureStateTopic(admin, topics.status(), topics.inventory(), topics.replicationFactor(), TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warnf("Could not make sure the Kafka topics %s exist at %s: %s", names,
                    kafkaConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG), e.getMessage());
        }
    }

    /**
     * Creates the compacted alert-state topic when missing, with as many partitions as the status
     * topic has (state partition N holds the clusters of status partition N); says so loudly when an
     * existing one does not match, since restores would then miss clusters.
     */
    static void ensureStateTopic(Admin admin, String statusTopic, String stateTopic, short replicationFactor,
                                 Duration timeout) {
        try {
            Map<String, TopicDescription> found = admin.describeTopics(List.of(statusTopic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int partitions = found.get(statusTopic).partitions().size();
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (existing.contains(stateTopic)) {
                int have = admin.describeTopics(List.of(stateTopic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(stateTopic).partitions().size();
                if (have != partitions) {
                    LOG.errorf("Topic %s has %d partitions but %s has %d: give them the same count, or alert state is "
                            + "not restored for every cluster", stateTopic, have, statusTopic, partitions);
                }
                return;
            }
            NewTopic topic = new NewTopic(stateTopic, partitions, replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                LOG.infof("Created the compacted Kafka topic %s (%d partitions, as %s)", stateTopic, partitions, statusTopic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create topic " + stateTopic + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating " + stateTopic, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot describe " + statusTopic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + timeout.toSeconds() + " s", e);
        }
    }

    /**
     * Creates those of {@code names} that do not exist yet.
     *
     * @return the topics this call created (empty when all existed)
     * @throws IllegalStateException when Kafka does not answer in time or refuses a creation
     */
    public static Set<String> ensureTopics(Admin admin, Collection<String> names, int partitions,
            short replicationFactor, Duration timeout) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : new LinkedHashSet<>(names)) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, partitions, replicationFactor));
                }
            }
            Set<String> created = new LinkedHashSet<>();
            if (missing.isEmpty()) {
                return created;
            }
            Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
            for (NewTopic topic : missing) {
                try {
                    results.get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(topic.name());
                } catch (ExecutionException e) {
                    // another instance of the service may have created it meanwhile: that is fine
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create topic " + topic.name() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            awaitDescribable(admin, missing.stream().map(NewTopic::name).toList(), timeout);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating Kafka topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot list Kafka topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + timeout.toSeconds() + " s", e);
        }
    }

    /**
     * A created topic is known to the controller before every broker's metadata has it: until then
     * describing it (and a producer's first send) fails with "unknown topic". Wait for it here, so
     * that whoever asked for the topics can use them at once.
     */
    private static void awaitDescribable(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMillis = 10;
        while (true) {
            try {
                admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Created topics " + names + " cannot be described: "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
            Thread.sleep(pauseMillis);
            pauseMillis = Math.min(pauseMillis * 2, 200);
        }
    }

    /** Only the settings an Admin client knows, so it does not warn about consumer or producer ones. */
    static Map<String, Object> adminConfig(Map<String, Object> kafkaConfig) {
        Set<String> known = AdminClientConfig.configNames();
        Map<String, Object> admin = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (known.contains(key)) {
                admin.put(key, value);
            }
        });
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        admin.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "repl-sentinel-topic-initializer");
        return admin;
    }
}
