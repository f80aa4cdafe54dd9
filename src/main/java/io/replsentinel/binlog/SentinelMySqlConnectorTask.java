package io.replsentinel.binlog;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import io.debezium.config.Configuration;
import io.debezium.connector.binlog.BinlogStreamingChangeEventSource;
import io.debezium.connector.mysql.MySqlConnectorTask;
import io.debezium.connector.mysql.MySqlOffsetContext;
import io.debezium.connector.mysql.MySqlPartition;
import io.debezium.pipeline.ChangeEventSourceCoordinator;
import org.apache.kafka.connect.source.SourceRecord;
import org.jboss.logging.Logger;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Optional;

/**
 * Debezium's MySQL task, plus a listener on its binlog client for the GTID events' commit
 * timestamps. Debezium 3.5.0 creates the client inside {@code start} and offers it publicly only
 * once streaming began ({@code getStreamingSource().getBinaryLogClient()}); the task therefore
 * reads it from the source factory as soon as {@code start} returns, before the client connects,
 * and falls back to the public route on the next polls if that read fails.
 */
public class SentinelMySqlConnectorTask extends MySqlConnectorTask {

    private static final Logger LOG = Logger.getLogger(SentinelMySqlConnectorTask.class);

    private CommitTimestamps timestamps;

    @Override
    public ChangeEventSourceCoordinator<MySqlPartition, MySqlOffsetContext> start(Configuration config) {
        ChangeEventSourceCoordinator<MySqlPartition, MySqlOffsetContext> c = super.start(config);
        timestamps = CommitTimestamps.of(config.getString("name")).orElse(null);
        if (timestamps != null) {
            factoryClient(c).ifPresent(timestamps::listenTo);
        }
        return c;
    }

    @Override
    public List<SourceRecord> doPoll() throws InterruptedException {
        if (timestamps != null && !timestamps.hooked() && coordinator != null) {
            coordinator.getStreamingSource()
                    .filter(BinlogStreamingChangeEventSource.class::isInstance)
                    .map(s -> ((BinlogStreamingChangeEventSource<?, ?>) s).getBinaryLogClient())
                    .ifPresent(timestamps::listenTo);
        }
        return super.doPoll();
    }

    /** The client Debezium passed to its source factory: private fields of Debezium's own classes. */
    private static Optional<BinaryLogClient> factoryClient(ChangeEventSourceCoordinator<?, ?> c) {
        try {
            Field f = ChangeEventSourceCoordinator.class.getDeclaredField("changeEventSourceFactory");
            f.setAccessible(true);
            Object factory = f.get(c);
            Field client = factory.getClass().getDeclaredField("binaryLogClient");
            client.setAccessible(true);
            return Optional.ofNullable((BinaryLogClient) client.get(factory));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debugf("binlog client not reachable before streaming (%s): hooked once streaming starts", e);
            return Optional.empty();
        }
    }
}
