package io.replsentinel.rules;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fuzz.FuzzInputs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming read of a status value gives exactly the status the general read (tree, checks,
 * binding) gives, or leaves the value to it: it never reads a value differently.
 */
class StatusJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final StatusJson streaming = new StatusJson(JSON.getFactory(), true);

    @Test
    void recordsAsThePollersWriteThem_readEqualToTheGeneralRead() throws Exception {
        List<String> values = new ArrayList<>(StatusReaderFuzzTest.wellFormed());
        values.add(JSON.writeValueAsString(StatusBuilder.instance("r9:3306").build().toBuilder()
                .sequence(41).poller(new PollerIdentity("node-a", 3)).addresses(List.of("10.0.0.9"))
                .labels(Map.of("zone", "b", "team", "dba")).missingPrivileges(List.of("replica_hosts"))
                .deniedCapabilities(List.of(new DeniedCapability("replica_hosts", "REPLICATION SLAVE", "SHOW REPLICAS",
                        1227, "denied", "ServerIdCollision evidence", "GRANT REPLICATION SLAVE ON *.* TO monitor")))
                .heartbeatLagMillis(1500L).observedAt(Instant.parse("2026-11-26T00:00:01Z")).build()));
        for (String v : values) {
            ReplicationStatus read = streaming.read(v);
            assertThat(read).as("streaming read of %s", v).isNotNull().isEqualTo(generalRead(v));
        }
    }

    @Test
    void everyCommittedFuzzInput_thatIsReadByStreaming_readsAsTheGeneralReadDoes() {
        int streamed = 0;
        for (byte[] input : FuzzInputs.of(StatusReaderFuzzTest.class,
                "everyRecord_isReadOrRejectedWithADeadLetterReason_neverAnotherException")) {
            String v = new String(input, StandardCharsets.UTF_8);
            ReplicationStatus read = streaming.read(v);
            if (read != null) {
                streamed++;
                assertThat(read).as("streaming read of %s", v).isEqualTo(generalRead(v));
            }
        }
        assertThat(streamed).isPositive();
    }

    @Test
    void recordBytes_readEqualToTheGeneralRead_withOrWithoutAPreviousStatusToReuse() throws Exception {
        List<String> values = new ArrayList<>(StatusReaderFuzzTest.wellFormed());
        for (byte[] input : FuzzInputs.of(StatusReaderFuzzTest.class,
                "everyRecord_isReadOrRejectedWithADeadLetterReason_neverAnotherException")) {
            values.add(new String(input, StandardCharsets.UTF_8));
        }
        ReplicationStatus other = streaming.read(StatusReaderFuzzTest.wellFormed().get(2));
        int streamed = 0;
        for (String v : values) {
            ReplicationStatus text = streaming.read(v);
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            if (text == null || !StatusJson.printableAscii(bytes)) {
                continue;
            }
            streamed++;
            ReplicationStatus general = generalRead(v);
            assertThat(streaming.read(bytes, StatusJson.Previous.NONE)).as("bytes of %s", v).isEqualTo(general);
            // the previous status the same, another one, or another instance's: the values read are the record's
            assertThat(streaming.read(bytes, (c, i) -> text)).as("bytes of %s after itself", v).isEqualTo(general);
            assertThat(streaming.read(bytes, (c, i) -> other)).as("bytes of %s after another", v).isEqualTo(general);
            assertThat(streaming.read(v, (c, i) -> other)).as("%s after another", v).isEqualTo(general);
        }
        assertThat(streamed).isGreaterThan(5);
    }

    @Test
    void aRepeatedPoll_isReadIntoThePreviousStatusesObjects() throws Exception {
        String v = StatusReaderFuzzTest.wellFormed().get(2); // a replica with a stopped applier: a channel with errors
        ReplicationStatus previous = streaming.read(v);
        ReplicationStatus again = streaming.read(v.getBytes(StandardCharsets.UTF_8), (c, i) -> previous);
        assertThat(again).isEqualTo(previous);
        assertThat(again.cluster()).isSameAs(previous.cluster());
        assertThat(again.instance()).isSameAs(previous.instance());
        assertThat(again.gtidExecuted()).isSameAs(previous.gtidExecuted());
        assertThat(again.observedAt()).isSameAs(previous.observedAt());
        assertThat(again.channels()).isNotEmpty().isSameAs(previous.channels());
        assertThat(again.labels()).isSameAs(previous.labels());
        assertThat(again.serverId()).isSameAs(previous.serverId());

        // one changed value: a new channel there, the same objects elsewhere
        String moved = v.replace("Duplicate entry '7'", "Duplicate entry '8'");
        assertThat(moved).isNotEqualTo(v);
        ReplicationStatus next = streaming.read(moved.getBytes(StandardCharsets.UTF_8), (c, i) -> previous);
        assertThat(next).isEqualTo(generalRead(moved)).isNotEqualTo(previous);
        assertThat(next.channels()).isNotSameAs(previous.channels());
        assertThat(next.channels().get(0).lastSqlError()).contains("'8'");
        assertThat(next.channels().get(0).sourceHost()).isSameAs(previous.channels().get(0).sourceHost());
        assertThat(next.labels()).isSameAs(previous.labels());
    }

    @Test
    void onlyPrintableAsciiBytes_takeTheBytePath() {
        assertThat(StatusJson.printableAscii("{\"a\":\"b c~\"}".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(StatusJson.printableAscii("{\"a\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(StatusJson.printableAscii("{\"a\":\n1}".getBytes(StandardCharsets.UTF_8))).isFalse();
        // a NUL would make the byte parser guess UTF-16 or UTF-32
        assertThat(StatusJson.printableAscii("\u0000{\u0000}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(StatusJson.printableAscii("{\"a\":\"bcdefghijklmnopqrstuvw\u0001\"}".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
    }

    @Test
    void otherShapes_areLeftToTheGeneralReader() {
        String base = "\"cluster\":\"c\",\"instance\":\"a:1\",\"observedAt\":\"2026-11-26T00:00:00Z\"";
        for (String v : List.of(
                "{\"schemaVersion\":1," + base + "}",                                     // reachable missing
                "{\"schemaVersion\":\"1\"," + base + ",\"reachable\":true}",              // a number as text
                "{\"schemaVersion\":2," + base + ",\"reachable\":true}",                  // another schema
                "{\"schemaVersion\":1," + base + ",\"reachable\":\"true\"}",              // coerced boolean
                "{\"schemaVersion\":1,\"cluster\":\"c\",\"instance\":\"a:1\",\"observedAt\":\"2026-11-26T01:00:00+01:00\",\"reachable\":true}",
                "{\"schemaVersion\":1,\"cluster\":\"c\",\"instance\":\"a:1\",\"observedAt\":1764115200,\"reachable\":true}",
                "{\"schemaVersion\":1," + base + ",\"reachable\":true,\"pollMillis\":3.0}",
                "{\"schemaVersion\":1," + base + ",\"reachable\":true,\"labels\":{\"a\":null}}",
                "{\"schemaVersion\":1," + base + ",\"reachable\":true,\"addresses\":[null]}",
                "{\"schemaVersion\":1," + base + ",\"reachable\":true,\"binlogDumpThreads\":3000000000}",
                "{\"schemaVersion\":1," + base + ",\"reachable\":true} trailing",
                "{\"schemaVersion\":1,\"cluster\":\" \",\"instance\":\"a:1\",\"observedAt\":\"2026-11-26T00:00:00Z\",\"reachable\":true}",
                "{\"schemaVersion\":1,\"cluster\":\"c\",\"instance\":\"a:1\",\"observedAt\":\"2026-02-30T00:00:00Z\",\"reachable\":true}",
                "[1]", "{not json")) {
            assertThat(streaming.read(v)).as("streaming read of %s", v).isNull();
        }
    }

    @Test
    void unknownFields_areSkippedOnlyWhereTheMapperSkipsThem() {
        String v = "{\"schemaVersion\":1,\"cluster\":\"c\",\"instance\":\"a:1\",\"observedAt\":\"2026-11-26T00:00:00.5Z\","
                + "\"reachable\":true,\"future\":{\"x\":[1,2]}}";
        assertThat(streaming.read(v)).isEqualTo(generalRead(v));
        assertThat(new StatusJson(JSON.getFactory(), false).read(v)).isNull();
    }

    private static ReplicationStatus generalRead(String v) {
        try {
            return JSON.treeToValue(JSON.readTree(v), ReplicationStatus.class);
        } catch (Exception e) {
            throw new AssertionError("the general read refuses " + v + ": " + e.getMessage(), e);
        }
    }
}
