package io.replsentinel.inventory;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting of repl-sentinel, declared once with its meaning and default. Quarkus validates the
 * tree at start-up, so a malformed key stops the service with the key named.
 */
@ConfigMapping(prefix = "sentinel")
public interface SentinelConfig {

    /** The clusters to watch, by name. The name is a label on every event, metric and alert. */
    Map<String, Cluster> clusters();

    Poll poll();

    Topics topics();

    EmbeddedKafka embeddedKafka();

    Rules rules();

    Alertmanager alertmanager();

    Heartbeat heartbeat();

    Api api();

    Delivery delivery();

    Node node();

    RuntimeClusters runtimeClusters();

    /**
     * Clusters added and removed through {@code POST /api/clusters} / {@code DELETE /api/clusters/{cluster}},
     * kept in the compacted topic {@code sentinel.topics.inventory} so that every node sees them and
     * they survive restarts.
     */
    interface RuntimeClusters {
        /**
         * Base64 of a 128, 192 or 256-bit AES key (e.g. {@code openssl rand -base64 32}), the same on
         * every node: the passwords of runtime clusters are kept in Kafka sealed with AES-GCM under it.
         * Without it only clusters without passwords can be added. A secret: never logged.
         */
        Optional<String> encryptionKey();

        /**
         * How long start-up waits to read the inventory topic to its end before polling starts; past
         * it the service starts with what it has read, and picks up the rest as it comes.
         */
        @WithDefault("30s")
        Duration loadTimeout();

        /** How long {@code POST} / {@code DELETE} wait for the change to be written and applied on this node. */
        @WithDefault("15s")
        Duration writeTimeout();
    }

    /** This service node, as it signs the statuses it polls. */
    interface Node {
        /**
         * The node's name in every status it publishes ({@code poller.node}); the host name when
         * absent. Give each node of a shared fleet its own.
         */
        Optional<String> name();
    }

    /** One replication topology and the credentials the poller uses on all its instances. */
    interface Cluster {
        /** The monitoring user (see the README for the grants it needs). */
        @NotBlank
        String user();

        /** Its password. Never written to logs, events, alerts, metrics or API answers. */
        Optional<String> password();

        /**
         * The account the remediation executor logs in with on this cluster's instances (see the
         * README for its grants per flavor); never the monitoring user. Without it, no command runs
         * on this cluster even with the executor on.
         */
        Optional<String> remediationUser();

        /** Its password. Never written to logs, events, alerts, metrics or API answers. */
        Optional<String> remediationPassword();

        /** Turns the heartbeat on or off for this cluster; {@code sentinel.heartbeat.enabled} when absent. */
        Optional<Boolean> heartbeat();

        /**
         * Turns the binlog listeners (one per instance, see {@code sentinel.binlog}) on or off for this
         * cluster; {@code sentinel.binlog.enabled} when absent.
         */
        Optional<Boolean> binlogListener();

        /** The instances; an instance's id is {@code host:port} and must be unique in the inventory. */
        List<Instance> instances();
    }

    /** One MySQL or MariaDB server. */
    interface Instance {
        /** Host name or address the poller connects to. Required. */
        @NotBlank
        String host();

        /** TCP port. */
        @WithDefault("3306")
        @Min(1)
        @Max(65535)
        int port();

        /** Expected role; the observed role wins where they differ, and the difference is a finding. */
        Optional<ExpectedRole> role();

        /** Free labels, copied onto every alert about this instance. */
        Map<String, String> labels();
    }

    /** What the inventory says an instance should be. */
    enum ExpectedRole {
        primary, replica
    }

    interface Poll {
        /** How often every instance is polled. Detection latency is bounded by this plus pipeline time. */
        @WithDefault("1s")
        Duration interval();

        /** TCP connect timeout for the monitoring connection; {@code timeout} caps it. */
        @WithDefault("2s")
        Duration connectTimeout();

        /**
         * The deadline of one whole poll cycle: connecting (DNS, TCP, TLS, login), resolving the
         * sources' host names and every statement. Past it the instance is reported unreachable with
         * class {@code timeout}, the poll's connection is aborted, which frees its thread; the other
         * instances are not held up. With the default 1 s interval, a hung instance is reported within
         * interval + timeout + pipeline time, under 2 s; a healthy poll takes tens of milliseconds.
         * It runs from the poll's start on a worker thread, never from its tick, so that waiting for a
         * thread (the service's own lateness) is never blamed on the server.
         */
        @WithDefault("800ms")
        Duration timeout();

        /**
         * How long after the start of an instance's first timed-out poll its poll timeouts are held
         * back, until its first status is published (start-up, a hand-over, an instance added): counted in
         * {@code sentinel_polls_skipped_total{reason="first_timeout"}}, never reported. The first polls
         * of a fleet log in together in a JVM that is still loading and compiling the driver and TLS,
         * and on a busy node some of them pass the deadline on the service's own time. The first
         * timeout is always held; a server hung at that moment is reported by the first timeout of a
         * poll started this long after it. The grace runs from that first poll, not from the watch:
         * logins are paced, so a large fleet's first polls start over many seconds.
         */
        @WithDefault("10s")
        Duration firstTimeoutGrace();

        /**
         * How often a check switched off by a denied statement is tried again (on a fresh login, since
         * servers read privileges at login), so that a GRANT heals it without a restart.
         */
        @WithDefault("1m")
        Duration privilegeRecheck();

        /**
         * How often a poll also counts the server's Binlog Dump threads ({@code binlogDumpThreads},
         * set against the replicas it lists in a server_id clash's evidence). The rest of a poll reads
         * variables, which cost the server next to nothing; the processlist costs it a walk over
         * every connection under its thread-list lock, more the more clients it has. Statuses in
         * between carry the last count; a fresh login counts again. {@code 0}: on every poll.
         */
        @WithDefault("10s")
        Duration dumpThreadInterval();

        /**
         * Lets Connector/J fetch the server's RSA public key to send a {@code caching_sha2_password}
         * password without TLS. Off: a man in the middle could hand the poller its own key and read the
         * password. Needed only with {@code tls.mode=DISABLED} (or a server without TLS) and MySQL's
         * default authentication.
         */
        @WithDefault("false")
        boolean allowPublicKeyRetrieval();

        /** TLS of the monitoring connection. */
        Tls tls();

        /**
         * Extra Connector/J URL options, for what the settings above do not cover. The default
         * reads performance_schema's zero timestamps ("never") as null.
         */
        @WithDefault("zeroDateTimeBehavior=CONVERT_TO_NULL")
        String jdbcOptions();

        /**
         * Threads that run the polls of instances whose last poll answered. A poll holds one for its
         * round trips (a few ms on a healthy server), so 64 carry thousands of instances at the 1 s
         * interval; a poll that finds no free thread waits, and one that cannot start before its
         * instance's next tick is shed ({@code sentinel_polls_skipped_total{reason="late"}}).
         */
        @WithDefault("64")
        int workers();

        /**
         * Threads that run the polls of instances whose last poll timed out (hung servers). Each can
         * hold its thread up to {@code timeout}, so they get threads of their own and never take the
         * healthy instances' ones: size it to the hung instances expected, times timeout / interval.
         */
        @WithDefault("256")
        int suspectWorkers();

        /**
         * Logins (TCP, TLS, authentication, the session set-up) under way at once across all
         * instances. A kept connection logs in once, but at start-up, or when many servers come back
         * at once, every instance logs in together: unpaced, on a small node each login gets slower
         * the more run at once, until they pass {@code timeout} and start over. Paced, they proceed at
         * what the node sustains; a poll that finds no slot free is shed at once and counted in
         * {@code sentinel_polls_skipped_total{reason="login"}}, never reported as the instance's
         * failure, and logs in at a later tick. Instances whose last poll timed out log in without a
         * slot (on their own threads), so hung servers never hold the slots.
         */
        @WithDefault("8")
        int maxConcurrentLogins();

        /**
         * Adds the labels {@code cluster} and {@code instance} to {@code sentinel_poll_duration_seconds}
         * (a percentile histogram per instance: about 70 series each). Off: one histogram for the node.
         */
        @WithDefault("false")
        boolean perInstanceHistograms();
    }

    /** TLS of the monitoring connections (Connector/J {@code sslMode}). */
    interface Tls {
        /**
         * {@code PREFERRED} (TLS when the server offers it), {@code REQUIRED} (TLS or fail, certificate
         * unchecked), {@code VERIFY_CA} (the certificate must chain to {@code ca-file}), {@code
         * VERIFY_IDENTITY} (and name the host), or {@code DISABLED}.
         */
        @WithDefault("PREFERRED")
        TlsMode mode();

        /**
         * PEM file of the CA(s) that sign the servers' certificates, for {@code VERIFY_CA} and
         * {@code VERIFY_IDENTITY}; without it the JVM's default trust store is used.
         */
        Optional<java.nio.file.Path> caFile();
    }

    /** Connector/J's {@code sslMode} values. */
    enum TlsMode {
        DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY
    }

    /** Kafka topic names; the defaults are the contract's. */
    interface Topics {
        @WithDefault("mysql.replication.status")
        String status();

        @WithDefault("mysql.replication.alerts")
        String alerts();

        @WithDefault("mysql.replication.dlq")
        String dlq();

        /**
         * The rules engine's alert state, compacted, keyed by cluster: what fires, what is pending
         * and what waits for delivery, restored on start-up and when a status partition moves to this
         * node. Created with as many partitions as the status topic: partition N holds the state of
         * the clusters whose statuses are on status partition N.
         */
        @WithDefault("mysql.replication.alert-state")
        String alertState();
        /** One GtidEvent per committed transaction of every listened instance, keyed by cluster. */
        @WithDefault("mysql.replication.gtid")
        String gtid();

        /**
         * Clusters added at runtime through the API, compacted, keyed by cluster, a tombstone on
         * removal; created with as many partitions as the status topic. Every node reads all of it.
         */
        @WithDefault("mysql.replication.inventory")
        String inventory();

        /** The binlog listeners' states (running, down with a cause), keyed by cluster. */
        @WithDefault("mysql.replication.listeners")
        String listeners();

        /**
         * Remediation commands (contract section 2), keyed by instance id: every proposal and every
         * state change of one, signed. Every node reads it whole to know each command's latest state.
         */
        @WithDefault("mysql.replication.commands")
        String commands();

        /** Partitions for topics the service creates when they are missing. */
        @WithDefault("3")
        @Min(1)
        int partitions();

        /** Replication factor for topics the service creates (1 for a single broker). */
        @WithDefault("1")
        @Min(1)
        short replicationFactor();
    }

    /**
     * The single-node Apache Kafka broker (KRaft) started when no {@code KAFKA_BOOTSTRAP_SERVERS}
     * is given, so that one command runs the whole pipeline.
     */
    interface EmbeddedKafka {
        /** Set false to refuse to start without an external Kafka. */
        @WithDefault("true")
        boolean enabled();

        /** Log directory; it survives restarts, so topics and offsets do too. */
        @WithDefault("data/kafka")
        String dataDir();

        /** Client port; 0 picks a free one. */
        @WithDefault("0")
        @Min(0)
        @Max(65535)
        int port();
    }

    /** Thresholds, {@code for:} durations and hysteresis of the detectors. */
    interface Rules {
        /** How long a condition must hold before its alert fires (per alertname overrides below). */
        @WithName("for")
        @WithDefault("0s")
        Duration forDuration();

        /** Per-alertname {@code for:} durations, e.g. {@code sentinel.rules.for-by-alert.ReplicationIoThreadConnecting=30s}. */
        Map<String, Duration> forByAlert();

        /**
         * How long a firing condition must stay clear before the alert resolves: a thread that flaps
         * holds one alert instead of announcing every flap.
         */
        @WithDefault("10s")
        Duration keepFiringFor();

        /** How long an IO thread may stay {@code connecting} before ReplicationIoThreadConnecting fires. */
        @WithDefault("30s")
        Duration ioConnectingThreshold();

        /** Replication lag at which ReplicationLagHigh fires as a warning. */
        @WithDefault("30s")
        Duration lagWarning();

        /** Replication lag at which ReplicationLagHigh fires as critical. */
        @WithDefault("300s")
        Duration lagCritical();

        /** Intended local writes that ErrantTransactions must not report. */
        Errant errant();

        /** Per-transaction lag from the binlog listeners' GtidEvents. */
        TransactionLag transactionLag();

        /**
         * After a restart, the time the service was down counts toward a pending alert's {@code for:}
         * and a clearing alert's {@code keep-firing-for} only if the first poll after it is within
         * this of the last one before it (Prometheus' {@code for-outage-tolerance}); after a longer
         * outage both timers start again from that first poll.
         */
        @WithDefault("1h")
        Duration forOutageTolerance();

        /** How long resolved alerts stay visible in {@code GET /api/alerts}. */
        @WithDefault("1h")
        Duration resolvedRetention();

        /**
         * Base of every alert's {@code runbook_url}; the alertname is appended as an anchor. By
         * default the runbooks this service serves itself ({@code /runbooks}, rendered from
         * {@code docs/runbooks.md}) under {@code sentinel.api.external-url}.
         */
        @WithDefault("${sentinel.api.external-url:http://localhost:8480}/runbooks")
        String runbookBaseUrl();
    }

    /**
     * Per-transaction replication lag, {@code mysql_replication_transaction_lag_seconds}: on MySQL
     * from the replica binlog's immediate vs original commit timestamps, corrected for the two hosts'
     * clock skew as the listeners see it; on MariaDB (no commit timestamps in its GTID events) from
     * when the source's and the replica's listeners saw the GTID, both on this service's clock.
     */
    interface TransactionLag {
        /**
         * Make per-transaction lag the source of ReplicationLagHigh for replicas whose listeners
         * stream (heartbeat or Seconds_Behind_Source otherwise, and once the last sample is older
         * than {@code max-age}). Off by default: it needs listeners on both ends of the channel.
         */
        @WithDefault("false")
        boolean alerting();

        /**
         * How old the replica's last per-transaction lag sample may be, by the replica's latest poll,
         * to stand for its lag: a replica that stopped applying writes no sample, and the poll's
         * figures then speak instead.
         */
        @WithDefault("30s")
        Duration maxAge();

        /**
         * One histogram per replica ({@code instance} label). Off by default: a percentile histogram
         * is dozens of series, so per instance it would grow with the fleet; by default the series
         * carry {@code cluster} only.
         */
        @WithDefault("false")
        boolean perReplicaHistogram();
    }

    /** Local writes on replicas that are intended, so not errant. */
    interface Errant {
        /** MySQL server_uuids whose transactions on a replica are expected (e.g. a replica's own maintenance writes). */
        Optional<List<String>> allowedUuids();

        /** MariaDB gtid_domain_ids reserved for local writes (the usual way to keep them apart). */
        Optional<List<Long>> allowedDomainIds();

        /** MariaDB server_ids whose transactions on a replica are expected. */
        Optional<List<Long>> allowedServerIds();

        /**
         * When a poll finds errant GTIDs on a replica whose binlog listener is running, how long the
         * alert waits for the listener's transactions, so that it goes out once, with the tables and
         * rows they touched. Past it the alert fires with the poll's evidence alone.
         */
        @WithDefault("2s")
        Duration streamWait();
    }

    /**
     * True lag, pt-heartbeat style: on every poll the service writes the time (microseconds) into a
     * small table of its own schema on each writable primary, and reads it back on every replica.
     * Off by default: the monitoring user then needs {@code CREATE, INSERT, UPDATE, SELECT} on that
     * schema. Assumes the servers' clocks agree (NTP), as pt-heartbeat does.
     */
    interface Heartbeat {
        @WithDefault("false")
        boolean enabled();

        /** Schema of the heartbeat table ({@code <schema>.heartbeat}); created when missing. */
        @WithDefault("repl_sentinel")
        String schema();
    }

    /** Delivery to Prometheus Alertmanager's v2 API; on when {@code url} is set. */
    interface Alertmanager {
        /** Base URL, e.g. {@code http://alertmanager:9093}; env {@code SENTINEL_ALERTMANAGER_URL}. */
        Optional<URI> url();

        /** Firing alerts are re-sent this often, as Prometheus does, so Alertmanager never times them out. */
        @WithDefault("30s")
        Duration resendInterval();

        /** Per-request timeout. */
        @WithDefault("5s")
        Duration timeout();
    }

    interface Api {
        /** Public base URL of this service, used in every alert's {@code generatorURL}. */
        @WithDefault("http://localhost:8480")
        String externalUrl();

        /**
         * The admin bearer token (env {@code SENTINEL_API_TOKEN}); requests made with it are named
         * "admin". Without any admin-role token every writing endpoint answers 401 (a start-up warning
         * says so). A secret: never logged.
         */
        Optional<String> token();

        /**
         * Further bearer tokens by name, each with its roles; the name is the principal of the
         * requests made with it (a command's {@code approvedBy}).
         */
        Map<String, NamedToken> tokens();

        /**
         * Whether reading endpoints ({@code GET /api/...}) need a token with the read role; writing
         * endpoints always need one with their role.
         */
        @WithDefault("false")
        boolean readRequiresToken();
    }

    /** A named API token ({@code sentinel.api.tokens.<name>}). */
    interface NamedToken {
        /** The token's value, sent as {@code Authorization: Bearer <value>}. A secret: never logged. */
        String token();

        /**
         * Its roles, comma-separated: {@code read}, {@code approve} (approve or reject remediation
         * commands), {@code admin} (add and remove clusters); each implies those before it.
         */
        List<io.replsentinel.api.auth.ApiRole> roles();
    }

    /** Delivery of alert state changes to every sink (API store, alerts topic, Alertmanager, Slack). */
    interface Delivery {
        /**
         * On shutdown, how long the outboxes get to deliver what they still hold; what is left is
         * kept in the alert state topic and delivered after the next start.
         */
        @WithDefault("5s")
        Duration drainTimeout();

        /** Pause before retrying a failed write of the alerts topic or the API store; it doubles on each further failure. */
        @WithDefault("1s")
        Duration retryInitialBackoff();

        /** Longest pause between those retries. */
        @WithDefault("30s")
        Duration retryMaxBackoff();
    }
}
