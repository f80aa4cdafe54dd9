package io.replsentinel.rules;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.fuzz.Fuzz;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A fuzzed corpus against the status reader: mutations of well-formed records (both flavors, reachable
 * and not, with channels and replicas) are either read into a status the engine can use or rejected
 * with a {@link MalformedRecordException} carrying one of the DLQ's reasons, never any other exception.
 */
class StatusReaderFuzzTest {

    private static final Set<String> REASONS = Set.of("empty_value", "invalid_json", "unsupported_schema_version",
            "missing_field", "invalid_field");

    // as the service's mapper: Quarkus leaves unknown properties alone
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final StatusReader reader = new StatusReader(json);

    private List<String> seeds() throws Exception {
        Instant at = Instant.parse("2026-11-26T00:00:01.123Z");
        ReplicationStatus stopped = Statuses.replica("r2:3306", at,
                Statuses.channel("Yes", "No", 0, null, 1062, "Duplicate entry '7' for key 'PRIMARY'"));
        ReplicationStatus source = StatusBuilder.instance("p1:3306").dumpThreads(1, new ReplicaHost(2L, "r1", 3306, "uuid-2"))
                .gtidExecuted("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:5")
                .build();
        ReplicationStatus maria = StatusBuilder.instance("m1:3306").mariadb("10.11.14").gtidBinlogState("0-1-9,0-2-3")
                .replicating("p2:3306", 4L).build();
        return List.of(json.writeValueAsString(Statuses.replica("r1:3306", at, Statuses.healthy())),
                json.writeValueAsString(Statuses.unreachable("r3:3306", at, "refused")),
                json.writeValueAsString(stopped), json.writeValueAsString(source), json.writeValueAsString(maria));
    }

    @Test
    void everyFuzzedRecord_isReadOrRejectedWithADeadLetterReason_neverAnotherException() throws Exception {
        Fuzz fuzz = Fuzz.seeded();
        List<String> seeds = seeds();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (String record : fuzz.corpus(seeds, Fuzz.cases(), fuzz::mutateRecord)) {
            try {
                ReplicationStatus status = reader.read(record);
                // what the engine keys and orders on is there whenever a record is accepted
                assertThat(status.cluster()).as("%s: cluster of accepted %s", fuzz, record).isNotBlank();
                assertThat(status.instance()).as("%s: instance of accepted %s", fuzz, record).isNotBlank();
                assertThat(status.observedAt()).as("%s: observedAt of accepted %s", fuzz, record).isNotNull();
                outcomes.merge("read", 1, Integer::sum);
            } catch (MalformedRecordException e) {
                assertThat(e.reason()).as("%s: reason for %s", fuzz, record).isIn(REASONS);
                assertThat(e.getMessage()).as("%s: message for %s", fuzz, record).isNotBlank();
                outcomes.merge(e.reason(), 1, Integer::sum);
            } catch (RuntimeException | StackOverflowError e) {
                fail(fuzz + ": " + e + " reading " + record, e);
            }
        }
        System.out.printf("status reader fuzz (%s): %s%n", fuzz, outcomes);
        // the corpus really exercises the rejections, not only benign variants
        assertThat(outcomes.keySet()).as("outcomes of %s", fuzz).contains("invalid_json", "missing_field", "invalid_field");
        assertThat(outcomes.getOrDefault("read", 0)).as("rejected records of %s", fuzz).isLessThan(Fuzz.cases());
    }

    @Test
    void unmutatedSeeds_areReadBackEqual() throws Exception {
        for (String seed : seeds()) {
            assertThat(json.writeValueAsString(reader.read(seed))).isEqualTo(seed);
        }
    }
}
