package io.replsentinel.rules;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fuzz.BrokenRecords;
import io.replsentinel.fuzz.FuzzInputs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A coverage-guided fuzz test (Jazzer) of the status reader: any record value, as the Kafka consumer
 * hands its bytes over, is either read into a status the engine can use or rejected with a
 * {@link MalformedRecordException} carrying one of the DLQ's reasons, never any other exception,
 * and its bytes read exactly as their text decoded the string deserializer's way reads.
 * Without {@code JAZZER_FUZZ} it replays the committed inputs under
 * {@code src/test/resources/io/replsentinel/rules/StatusReaderFuzzTestInputs}; the build's
 * {@code jazzer-fuzz-status-reader} execution fuzzes it for its {@code maxDuration} (see README, Reliability).
 */
class StatusReaderFuzzTest {

    static final Set<String> REASONS = Set.of("empty_value", "invalid_json", "unsupported_schema_version",
            "missing_field", "invalid_field");

    // as the service's mapper: Quarkus leaves unknown properties alone
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final StatusReader READER = new StatusReader(JSON);

    @FuzzTest(maxDuration = "15s")
    void everyRecord_isReadOrRejectedWithADeadLetterReason_neverAnotherException(byte[] value) {
        bytesReadAsText(value);
    }

    /** The outcome of the bytes, which must be that of their text, with the same status or reason. */
    static String bytesReadAsText(byte[] value) {
        String text = new String(value, StandardCharsets.UTF_8);
        String outcome = outcome(text);
        Object fromBytes;
        Object fromText;
        try {
            fromBytes = READER.read(value, StatusJson.Previous.NONE);
        } catch (MalformedRecordException e) {
            fromBytes = e.reason() + ": " + e.getMessage();
        }
        try {
            fromText = READER.read(text);
        } catch (MalformedRecordException e) {
            fromText = e.reason() + ": " + e.getMessage();
        }
        assertThat(fromBytes).as("bytes of %s", text).isEqualTo(fromText);
        return outcome;
    }

    /** "read", or the dead-letter reason; anything else the reader throws fails the fuzz test. */
    private static String outcome(String record) {
        try {
            ReplicationStatus status = READER.read(record);
            // what the engine keys and orders on is there whenever a record is accepted
            assertThat(status.cluster()).as("cluster of accepted %s", record).isNotBlank();
            assertThat(status.instance()).as("instance of accepted %s", record).isNotBlank();
            assertThat(status.observedAt()).as("observedAt of accepted %s", record).isNotNull();
            return "read";
        } catch (MalformedRecordException e) {
            assertThat(e.reason()).as("reason for %s", record).isIn(REASONS);
            assertThat(e.getMessage()).as("message for %s", record).isNotBlank();
            return e.reason();
        }
    }

    @Test
    void committedInputs_holdAcceptedRecordsAndEachKindOfRejection() throws Exception {
        Set<String> outcomes = new TreeSet<>();
        for (byte[] input : FuzzInputs.of(getClass(), "everyRecord_isReadOrRejectedWithADeadLetterReason_neverAnotherException")) {
            outcomes.add(bytesReadAsText(input));
        }
        // the regression corpus exercises the rejections, not only benign records
        assertThat(outcomes).containsAll(List.of("read", "empty_value", "invalid_json", "unsupported_schema_version",
                "missing_field", "invalid_field"));
    }

    @Test
    void brokenVariantsOfWellFormedRecords_areEachRejectedWithTheirReason() throws Exception {
        Set<String> reasons = new TreeSet<>();
        for (String seed : wellFormed()) {
            for (String broken : BrokenRecords.of(seed)) {
                assertThat(outcome(broken)).as("outcome of %s", broken).isNotEqualTo("read");
                reasons.add(outcome(broken));
            }
        }
        assertThat(reasons).isEqualTo(REASONS);
    }

    @Test
    void wellFormedRecords_areReadBackEqual() throws Exception {
        for (String seed : wellFormed()) {
            assertThat(JSON.writeValueAsString(READER.read(seed))).isEqualTo(seed);
        }
    }

    /** Records as the pollers write them: both flavors, reachable and not, with channels and replicas. */
    static List<String> wellFormed() throws Exception {
        Instant at = Instant.parse("2026-11-26T00:00:01.123Z");
        ReplicationStatus stopped = Statuses.replica("r2:3306", at,
                Statuses.channel("Yes", "No", 0, null, 1062, "Duplicate entry '7' for key 'PRIMARY'"));
        ReplicationStatus source = StatusBuilder.instance("p1:3306").dumpThreads(1, new ReplicaHost(2L, "r1", 3306, "uuid-2"))
                .gtidExecuted("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:5")
                .build();
        ReplicationStatus maria = StatusBuilder.instance("m1:3306").mariadb("10.11.14").gtidBinlogState("0-1-9,0-2-3")
                .replicating("p2:3306", 4L).build();
        return List.of(JSON.writeValueAsString(Statuses.replica("r1:3306", at, Statuses.healthy())),
                JSON.writeValueAsString(Statuses.unreachable("r3:3306", at, "refused")),
                JSON.writeValueAsString(stopped), JSON.writeValueAsString(source), JSON.writeValueAsString(maria));
    }
}
