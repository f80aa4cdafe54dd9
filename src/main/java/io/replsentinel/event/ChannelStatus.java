package io.replsentinel.event;

import java.time.Instant;

/**
 * One replication channel (MySQL) or named connection (MariaDB) of a replica, as one poll saw it.
 * The default channel's name is the empty string.
 *
 * @param ioState         {@code running}, {@code connecting} or {@code stopped}
 * @param sqlState        {@code running} or {@code stopped}
 * @param lastSqlError    the applier's error; on MySQL the failing worker's own text rather than
 *                        the coordinator's "Coordinator stopped because..." summary
 * @param lastSqlCoordinatorError the coordinator's summary when it differs from {@code lastSqlError}
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
        Boolean autoPosition) {

    public static final String RUNNING = "running";
    public static final String CONNECTING = "connecting";
    public static final String STOPPED = "stopped";
}
