package io.replsentinel.rules;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.DeniedCapability;
import io.replsentinel.event.PollError;
import io.replsentinel.event.PollerIdentity;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fuzz.FuzzInputs;
import io.replsentinel.poll.Captures;
import io.replsentinel.poll.ReplicaStatusParser;
import io.replsentinel.poll.Row;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read of a record laid out exactly as the pollers write it gives exactly the status the
 * streaming read ({@link StatusJson}, itself proven against the general read) gives, with or without
 * a previous status to reuse values from, or leaves the record to it: it never reads a value
 * differently, over the pollers' records, the captured servers' channels, the committed fuzz inputs
 * and random mutations of all of them.
 */
class StatusLayoutTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final StatusJson streaming = new StatusJson(JSON.getFactory(), true);

    @Test
    void recordsAsThePollersWriteThem_areReadByTheLayout_equalToTheStreamingRead() throws Exception {
        List<String> values = pollerRecords();
        ReplicationStatus other = streaming.read(StatusReaderFuzzTest.wellFormed().get(2));
        for (String v : values) {
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            ReplicationStatus expected = streaming.read(v);
            assertThat(expected).as("streaming read of %s", v).isNotNull();
            if (v.indexOf('\\') >= 0) { // an escaped char (a multi-line GTID set): the streaming read decodes it
                assertThat(StatusLayout.read(bytes, StatusJson.Previous.NONE)).as("layout read of %s", v).isNull();
                continue;
            }
            assertThat(StatusLayout.read(bytes, StatusJson.Previous.NONE)).as("layout read of %s", v).isEqualTo(expected);
            assertThat(StatusLayout.read(bytes, (c, i) -> expected)).as("%s after itself", v).isEqualTo(expected);
            assertThat(StatusLayout.read(bytes, (c, i) -> other)).as("%s after another", v).isEqualTo(expected);
        }
        assertThat(values).hasSizeGreaterThan(20);
    }

    @Test
    void everyCommittedFuzzInput_readByTheLayout_readsAsTheStreamingReadDoes() throws Exception {
        ReplicationStatus other = streaming.read(StatusReaderFuzzTest.wellFormed().get(2));
        int exact = 0;
        for (byte[] input : FuzzInputs.of(StatusReaderFuzzTest.class,
                "everyRecord_isReadOrRejectedWithADeadLetterReason_neverAnotherException")) {
            exact += sameAsStreaming(input, other) ? 1 : 0;
        }
        assertThat(exact).isPositive();
    }

    @Test
    void randomMutationsOfThePollersRecords_readByTheLayout_readAsTheStreamingReadDoes() throws Exception {
        List<String> seeds = pollerRecords();
        ReplicationStatus other = streaming.read(StatusReaderFuzzTest.wellFormed().get(2));
        Random random = new Random(12);
        byte[] alphabet = "{}[],:\"\\-.0123456789eEnultrfasx \u007f".getBytes(StandardCharsets.ISO_8859_1);
        int exact = 0;
        int refused = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] v = seeds.get(random.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(v.length);
                byte c = random.nextInt(8) == 0 ? (byte) (random.nextInt(256)) : alphabet[random.nextInt(alphabet.length)];
                v = switch (random.nextInt(3)) {
                    case 0 -> replace(v, at, c);
                    case 1 -> insert(v, at, c);
                    default -> delete(v, at);
                };
            }
            if (sameAsStreaming(v, other)) {
                exact++;
            } else {
                refused++;
            }
        }
        // both sides of the line are exercised: mutations it reads (a digit, a letter in a string) and ones it leaves
        assertThat(exact).isGreaterThan(1000);
        assertThat(refused).isGreaterThan(1000);
    }

    @Test
    void otherLayouts_areLeftToTheStreamingRead() throws Exception {
        String v = StatusReaderFuzzTest.wellFormed().get(2);
        assertThat(StatusLayout.read(v.getBytes(StandardCharsets.UTF_8), StatusJson.Previous.NONE)).isNotNull();
        for (String other : List.of(
                v.replace(",\"instance\":", ", \"instance\":"),                              // white space
                v + " ",                                                                     // trailing white space
                v.replace("{\"schemaVersion\":1,", "{\"schemaVersion\":1,\"future\":2,"),    // a field this version does not know
                v.replace(",\"sequence\":0", ""),                                            // a field left out
                v.replaceFirst("\"pollMillis\":(\\d+)", "\"pollMillis\":0$1"),                  // a leading zero
                v.replace("\"sequence\":0", "\"sequence\":0.0"),                             // a float
                v.replace("\"sequence\":0", "\"sequence\":1e3"),
                v.replace("\"sequence\":0", "\"sequence\":12345678901234567890"),            // beyond 18 digits
                v.replace("\"lastSqlErrno\":1062", "\"lastSqlErrno\":3000000000"),           // beyond an int
                v.replace("Duplicate entry", "Duplicate\\u0020entry"),                       // an escape
                v.replace("Duplicate entry", "Duplicate\u00e9entry"),                        // beyond ASCII
                v.replace("\"reachable\":true", "\"reachable\":null"),
                v.replace("\"cluster\":\"orders\"", "\"cluster\":\" \""),                     // blank, which is refused
                v.replace("\"labels\":{", "\"labels\":{\"team\":\"a\",\"team\":\"b\","))) {  // a duplicate label
            assertThat(other).isNotEqualTo(v);
            assertThat(StatusLayout.read(other.getBytes(StandardCharsets.UTF_8), StatusJson.Previous.NONE))
                    .as("layout read of %s", other).isNull();
        }
    }

    @Test
    void aRepeatedPoll_isReadIntoThePreviousStatusesObjects_andAChangedValueIntoANewOneAlone() throws Exception {
        String v = pollerRecords().get(5); // every optional part: poller, labels, lists, replicas, an error
        ReplicationStatus previous = streaming.read(v);
        ReplicationStatus again = StatusLayout.read(v.getBytes(StandardCharsets.UTF_8), (c, i) -> previous);
        List<Function<ReplicationStatus, Object>> parts = List.of(ReplicationStatus::cluster, ReplicationStatus::instance,
                ReplicationStatus::observedAt, ReplicationStatus::error, ReplicationStatus::version,
                ReplicationStatus::serverId, ReplicationStatus::gtidExecuted, ReplicationStatus::replicas,
                ReplicationStatus::labels, ReplicationStatus::addresses, ReplicationStatus::poller,
                ReplicationStatus::missingPrivileges, ReplicationStatus::deniedCapabilities,
                ReplicationStatus::heartbeatLagMillis, ReplicationStatus::binlogDumpThreads);
        assertThat(again).isEqualTo(previous);
        for (Function<ReplicationStatus, Object> part : parts) {
            assertThat(part.apply(again)).as("a part of %s", again).isNotNull().isSameAs(part.apply(previous));
        }

        // a source's next poll with more transactions: a new GTID set, and the rest as before
        String more = v.replace("\"sequence\":41", "\"sequence\":42").replace("\"zone\":\"b\"", "\"zone\":\"c\"");
        assertThat(more).isNotEqualTo(v);
        ReplicationStatus next = StatusLayout.read(more.getBytes(StandardCharsets.UTF_8), (c, i) -> previous);
        assertThat(next).isEqualTo(streaming.read(more));
        assertThat(next.sequence()).isEqualTo(42);
        assertThat(next.labels()).isNotSameAs(previous.labels()).containsEntry("zone", "c");
        assertThat(next.labels().get("team")).isSameAs(previous.labels().get("team"));
        assertThat(next.replicas()).isSameAs(previous.replicas());
        assertThat(next.poller()).isSameAs(previous.poller());
    }

    @Test
    void aPreviousValueBeyondLatin1_isNotTakenForTheBytesItsLowBytesSpell() throws Exception {
        String v = StatusReaderFuzzTest.wellFormed().get(0);
        ReplicationStatus read = streaming.read(v);
        // U+012E has the low byte of '.': a byte-wise copy of the previous text would spell the record's
        ReplicationStatus previous = read.toBuilder().version(read.version().replace('.', '\u012e')).build();
        ReplicationStatus next = StatusLayout.read(v.getBytes(StandardCharsets.UTF_8), (c, i) -> previous);
        assertThat(next).isEqualTo(read);
        assertThat(next.version()).isNotSameAs(previous.version()).isEqualTo(read.version());
    }

    /** Whether the layout read {@code value}; if it did, the streaming read gives the same status, with each previous. */
    private boolean sameAsStreaming(byte[] value, ReplicationStatus other) {
        ReplicationStatus exact = StatusLayout.read(value, StatusJson.Previous.NONE);
        String text = new String(value, StandardCharsets.UTF_8);
        if (exact == null) {
            assertThat(StatusLayout.read(value, (c, i) -> other)).as("after another, %s", text).isNull();
            return false;
        }
        ReplicationStatus expected = streaming.read(value, StatusJson.Previous.NONE);
        assertThat(StatusJson.printableAscii(value)).as("bytes of %s", text).isTrue();
        assertThat(exact).as("layout read of %s", text).isNotNull().isEqualTo(expected);
        assertThat(StatusLayout.read(value, (c, i) -> other)).as("%s after another", text).isEqualTo(expected);
        assertThat(StatusLayout.read(value, (c, i) -> expected)).as("%s after itself", text).isEqualTo(expected);
        return true;
    }

    /**
     * Records as the pollers write them: the reader's well-formed ones, one with every optional part,
     * and, for the channel of every captured SHOW REPLICA STATUS, a replica replicating through it.
     */
    private static List<String> pollerRecords() throws Exception {
        List<String> values = new ArrayList<>(StatusReaderFuzzTest.wellFormed());
        values.add(JSON.writeValueAsString(StatusBuilder.instance("r9:3306").build().toBuilder()
                .sequence(41).poller(new PollerIdentity("node-a", 3)).addresses(List.of("10.0.0.9", "10.0.1.9"))
                .labels(Map.of("zone", "b", "team", "dba", "rack", "")).missingPrivileges(List.of("replica_hosts"))
                .deniedCapabilities(List.of(new DeniedCapability("replica_hosts", "REPLICATION SLAVE", "SHOW REPLICAS",
                        1227, "denied", "ServerIdCollision evidence", "GRANT REPLICATION SLAVE ON *.* TO monitor")))
                .replicas(List.of(new ReplicaHost(2L, "r1", 3306, "uuid-2"), new ReplicaHost(null, null, null, null),
                        new ReplicaHost(-4L, "r3", 0, "")))
                .heartbeatLagMillis(-1500L).binlogDumpThreads(Integer.MAX_VALUE).pollMillis(-999_999_999_999_999_999L)
                .error(new PollError("timeout", null, "no answer in 800 ms"))
                .observedAt(Instant.parse("2026-11-26T00:00:01.000000001Z")).build()));
        int at = 0;
        for (ChannelStatus ch : capturedChannels()) {
            ReplicationStatus s = Statuses.replica("c" + at + ":3306", Instant.parse("2026-11-26T00:00:01Z").plusMillis(at), ch);
            values.add(JSON.writeValueAsString(s));
            values.add(JSON.writeValueAsString(s.toBuilder().channels(List.of(ch, ch.with(7L, List.of("10.0.0.1"), true)))
                    .labels(Map.of("n", Integer.toString(at))).build()));
            at++;
        }
        return values;
    }

    /** The channel of every SHOW REPLICA STATUS section of every capture under {@code src/test/resources/captures}. */
    private static List<ChannelStatus> capturedChannels() throws IOException {
        List<ChannelStatus> channels = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/captures"))) {
            for (Path file : files.sorted().toList()) {
                for (int n = 0; ; n++) {
                    List<Row> rows;
                    try {
                        rows = Captures.section(file.getFileName().toString(), "SHOW REPLICA STATUS", n);
                    } catch (IllegalArgumentException e) {
                        break;
                    }
                    for (Row row : rows) {
                        channels.add(ReplicaStatusParser.parse(row));
                    }
                }
            }
        }
        return channels;
    }

    private static byte[] replace(byte[] v, int at, byte c) {
        byte[] out = v.clone();
        out[at] = c;
        return out;
    }

    private static byte[] insert(byte[] v, int at, byte c) {
        byte[] out = new byte[v.length + 1];
        System.arraycopy(v, 0, out, 0, at);
        out[at] = c;
        System.arraycopy(v, at, out, at + 1, v.length - at);
        return out;
    }

    private static byte[] delete(byte[] v, int at) {
        byte[] out = new byte[v.length - 1];
        System.arraycopy(v, 0, out, 0, at);
        System.arraycopy(v, at + 1, out, at, v.length - at - 1);
        return out;
    }
}
