package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * Turns one row of {@code SHOW REPLICA STATUS} (MySQL 8.0.22+), {@code SHOW SLAVE STATUS} (older
 * MySQL) or {@code SHOW ALL REPLICAS STATUS} (MariaDB) into a {@link ChannelStatus}. Column names
 * differ by flavor and version; their meaning does not.
 */
public final class ReplicaStatusParser {

    private static final DateTimeFormatter SHOW_TIMESTAMP = DateTimeFormatter.ofPattern("yyMMdd HH:mm:ss");

    private ReplicaStatusParser() {
    }

    public static ChannelStatus parse(Row row) {
        String ioRunning = row.text("Replica_IO_Running", "Slave_IO_Running");
        String sqlRunning = row.text("Replica_SQL_Running", "Slave_SQL_Running");
        Long port = row.number("Source_Port", "Master_Port");
        String autoPosition = row.nonEmpty("Auto_Position", "Using_Gtid");
        return new ChannelStatus(
                channelName(row),
                row.nonEmpty("Source_Host", "Master_Host"),
                port == null ? null : port.intValue(),
                row.number("Source_Server_Id", "Master_Server_Id"),
                row.nonEmpty("Source_UUID", "Master_UUID"),
                ioState(ioRunning),
                "Yes".equalsIgnoreCase(sqlRunning) ? ChannelStatus.RUNNING : ChannelStatus.STOPPED,
                row.intOrZero("Last_IO_Errno"),
                row.nonEmpty("Last_IO_Error"),
                showTimestamp(row.nonEmpty("Last_IO_Error_Timestamp")),
                row.intOrZero("Last_SQL_Errno"),
                row.nonEmpty("Last_SQL_Error"),
                showTimestamp(row.nonEmpty("Last_SQL_Error_Timestamp")),
                null,
                row.number("Seconds_Behind_Source", "Seconds_Behind_Master"),
                gtidSet(row.text("Retrieved_Gtid_Set")),
                gtidSet(row.text("Executed_Gtid_Set", "Gtid_Slave_Pos")),
                autoPosition == null ? null : isAutoPosition(autoPosition),
                row.number("SQL_Delay"), List.of(), null);
    }

    static String channelName(Row row) {
        String name = row.text("Channel_Name", "Connection_name");
        return name == null ? "" : name;
    }

    /** {@code Yes}, {@code Connecting} or {@code No} (also {@code Preparing} on MariaDB). */
    static String ioState(String running) {
        if (running == null) {
            return ChannelStatus.STOPPED;
        }
        return switch (running.trim().toLowerCase(Locale.ROOT)) {
            case "yes" -> ChannelStatus.RUNNING;
            case "connecting", "preparing" -> ChannelStatus.CONNECTING;
            default -> ChannelStatus.STOPPED;
        };
    }

    private static boolean isAutoPosition(String value) {
        // MySQL: 1/0. MariaDB Using_Gtid: Slave_Pos, Current_Pos or No.
        return !(value.equals("0") || value.equalsIgnoreCase("No"));
    }

    /** MySQL prints a multi-uuid set across lines; the contract's form is one line. */
    static String gtidSet(String raw) {
        if (raw == null) {
            return null;
        }
        return raw.replaceAll("\\s+", "");
    }

    /**
     * {@code Last_*_Error_Timestamp} as SHOW prints it ({@code 261126 00:46:38}), in the server's
     * own zone, which is unknown here: read as UTC. On MySQL 8.0.22+ the poller replaces it with
     * performance_schema's exact timestamps.
     */
    static Instant showTimestamp(String text) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.trim(), SHOW_TIMESTAMP).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
