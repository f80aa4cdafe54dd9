package io.replsentinel.binlog;

import io.debezium.connector.mysql.MySqlConnector;
import org.apache.kafka.connect.connector.Task;

/**
 * Debezium's MySQL connector with a task that also hands each GTID event's commit timestamps to
 * the listener ({@link CommitTimestamps}); everything else is Debezium's own.
 */
public class SentinelMySqlConnector extends MySqlConnector {

    @Override
    public Class<? extends Task> taskClass() {
        return SentinelMySqlConnectorTask.class;
    }
}
