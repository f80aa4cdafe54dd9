package io.replsentinel.binlog;

import io.replsentinel.inventory.WatchedInstance;

import java.nio.file.Path;
import java.util.Properties;

/**
 * The Debezium properties of one listener. Every choice here keeps the listener a pure reader:
 * no data snapshot and no lock ({@code snapshot.mode=no_data}, {@code snapshot.locking.mode=none}),
 * offsets and schema history in files of its own (nothing is written to the server), transaction
 * BEGIN/END records on, and a server_id of its own.
 */
final class EngineProperties {

    /**
     * Debezium's MySQL connector, with the GTID events' commit timestamps handed to the listener,
     * where Debezium can load it: its snapshot providers look the connector class up by name with
     * their own class loader ({@code Class.forName}), which in the packaged service is the
     * application's, but in Quarkus dev and test mode a parent that cannot see this application's
     * classes. There the plain connector runs, and {@code immediateCommitAt} stays null.
     */
    static final String MYSQL_CONNECTOR = visibleToDebezium()
            ? SentinelMySqlConnector.class.getName() : "io.debezium.connector.mysql.MySqlConnector";
    /** The MySQL connector streams MariaDB rows without their GTIDs: MariaDB needs its own. */
    static final String MARIADB_CONNECTOR = "io.debezium.connector.mariadb.MariaDbConnector";

    private EngineProperties() {
    }

    private static boolean visibleToDebezium() {
        try {
            Class.forName(SentinelMySqlConnector.class.getName(), false,
                    io.debezium.snapshot.AbstractSnapshotProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            org.jboss.logging.Logger.getLogger(EngineProperties.class).infof("Debezium's class loader cannot see %s"
                    + " (Quarkus dev or test mode): MySQL GtidEvents carry no immediateCommitAt here", SentinelMySqlConnector.class.getName());
            return false;
        }
    }

    /** A Debezium topic prefix is a record-name prefix: letters, digits and underscores only. */
    static String topicPrefix(WatchedInstance instance) {
        return ("sentinel_" + instance.cluster() + "_" + instance.host() + "_" + instance.port())
                .replaceAll("[^A-Za-z0-9_]", "_");
    }

    static Properties of(WatchedInstance instance, String flavor, long serverId, Path dir, BinlogSettings settings) {
        Properties p = new Properties();
        p.setProperty("name", topicPrefix(instance));
        p.setProperty("topic.prefix", topicPrefix(instance));
        p.setProperty("connector.class", "mariadb".equals(flavor) ? MARIADB_CONNECTOR : MYSQL_CONNECTOR);
        p.setProperty("database.hostname", instance.host());
        p.setProperty("database.port", Integer.toString(instance.port()));
        p.setProperty("database.user", instance.user());
        p.setProperty("database.password", instance.password().reveal());
        p.setProperty("database.server.id", Long.toString(serverId));
        if (!"mariadb".equals(flavor)) {
            // TLS when the server offers it; MariaDB's connector knows no "preferred" and defaults to off
            p.setProperty("database.ssl.mode", "preferred");
        }
        // without TLS a caching_sha2_password account needs the server's key to log in
        p.setProperty("database.allowPublicKeyRetrieval", "true");
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("snapshot.locking.mode", "none");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("include.schema.changes", "false");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", dir.resolve("offsets.dat").toString());
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
        p.setProperty("schema.history.internal.file.filename", dir.resolve("schema-history.dat").toString());
        p.setProperty("connect.keep.alive", "true");
        p.setProperty("connect.keep.alive.interval.ms", Long.toString(settings.keepAliveInterval().toMillis()));
        p.setProperty("connect.timeout.ms", "5000");
        // failures reach the completion callback at once; the listener restarts the engine itself
        p.setProperty("errors.max.retries", "0");
        // one record thread per engine, in binlog order: 50 engines must not start 50 pools of cores
        p.setProperty("record.processing.threads", "1");
        p.setProperty("record.processing.order", "ORDERED");
        // the consumer is called on the engine's own thread, batch by batch: without it each record
        // is a task handed to the record thread and waited for, two thread hand-offs per record
        p.setProperty("record.processing.with.serial.consumer", "true");
        // a catching-up reader fills batches; the queue holds two of them so the reader rarely waits
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "16384");
        p.setProperty("poll.interval.ms", "50");
        settings.tableInclude().ifPresent(l -> p.setProperty("table.include.list", String.join(",", l)));
        settings.tableExclude().ifPresent(l -> p.setProperty("table.exclude.list", String.join(",", l)));
        settings.debezium().forEach(p::setProperty);
        return p;
    }
}
