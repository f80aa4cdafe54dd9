package io.replsentinel.event;

import java.time.Instant;
import java.util.List;

/**
 * One replication channel (MySQL) or named connection (MariaDB) of a replica, as one poll saw it.
 * The default channel's name is the empty string.
 *
 * @param ioState         {@code running}, {@code connecting} or {@code stopped}
 * @param sqlState        {@code running} or {@code stopped}
 * @param lastSqlError    the applier's error; on MySQL the failing worker's own text rather than
 *                        the coordinator's "Coordinator stopped because..." summary
 * @param lastSqlCoordinatorError the coordinator's summary when it differs from {@code lastSqlError}
 * @param sqlDelaySeconds  the configured apply delay (a delayed replica), 0 when none
 * @param sourceAddresses  what {@code sourceHost} resolves to, as the poller resolved it
 * @param sourceResolvable false when {@code sourceHost} has no DNS record
 */
public record ChannelStatus(
        String name,
        String sourceHost,
        Integer sourcePort,
        Long sourceServerId,
        String sourceUuid,
        String ioState,
        String sqlState,
        int lastIoErrno,
        String lastIoError,
        Instant lastIoErrorAt,
        int lastSqlErrno,
        String lastSqlError,
        Instant lastSqlErrorAt,
        String lastSqlCoordinatorError,
        Long secondsBehindSource,
        String retrievedGtidSet,
        String executedGtidSet,
        Boolean autoPosition,
        Long sqlDelaySeconds,
        List<String> sourceAddresses,
        Boolean sourceResolvable) {

    public static final String RUNNING = "running";
    public static final String CONNECTING = "connecting";
    public static final String STOPPED = "stopped";

    public ChannelStatus {
        sourceAddresses = sourceAddresses == null ? List.of() : List.copyOf(sourceAddresses);
    }

    /** A channel as SHOW REPLICA STATUS alone describes it, before the poller resolves its source. */
    public ChannelStatus(String name, String sourceHost, Integer sourcePort, Long sourceServerId, String sourceUuid,
                         String ioState, String sqlState, int lastIoErrno, String lastIoError, Instant lastIoErrorAt,
                         int lastSqlErrno, String lastSqlError, Instant lastSqlErrorAt, String lastSqlCoordinatorError,
                         Long secondsBehindSource, String retrievedGtidSet, String executedGtidSet, Boolean autoPosition) {
        this(name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState, sqlState, lastIoErrno, lastIoError,
                lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt, lastSqlCoordinatorError, secondsBehindSource,
                retrievedGtidSet, executedGtidSet, autoPosition, null, List.of(), null);
    }

    /** A copy with the apply delay and the source's resolution. */
    public ChannelStatus with(Long sqlDelay, List<String> addresses, Boolean resolvable) {
        return new ChannelStatus(name, sourceHost, sourcePort, sourceServerId, sourceUuid, ioState, sqlState, lastIoErrno,
                lastIoError, lastIoErrorAt, lastSqlErrno, lastSqlError, lastSqlErrorAt, lastSqlCoordinatorError,
                secondsBehindSource, retrievedGtidSet, executedGtidSet, autoPosition, sqlDelay, addresses, resolvable);
    }

    public boolean defaultChannel() {
        return name.isEmpty();
    }
}
