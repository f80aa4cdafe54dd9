package io.replsentinel.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replsentinel.event.Alert;
import io.replsentinel.event.ReplicationStatus;
import io.replsentinel.rules.RulesEngine;
import io.replsentinel.rules.StatusReaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What one consumed status record costs the rules engine on one thread: reading its JSON value as
 * the engine reads it (the record's bytes, as the channel hands them over, against the view of an
 * engine that has seen every instance), alone and followed by the evaluation, in fleets of 1,000 and
 * 10,000 clusters. The values are the JSON the poller publishes for the same polls as
 * {@link RulesEngineBenchmark}. Run by {@link RulesEngineBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConsumedRecordBenchmark {

    @Param({"1000", "10000"})
    public int clusters;

    @Param({"mysql", "mariadb"})
    public String flavor;

    private Fleet fleet;
    private RulesEngine engine;
    private Function<byte[], ReplicationStatus> reader;
    private byte[][] values;
    private long n;

    @Setup
    public void setUp() throws JsonProcessingException {
        fleet = Fleet.of(Fleet.Flavor.valueOf(flavor), clusters);
        engine = Engines.rulesEngine();
        ObjectMapper json = Engines.json();
        reader = StatusReaders.reader(engine);
        List<ReplicationStatus> templates = fleet.templates();
        values = new byte[templates.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = json.writeValueAsBytes(templates.get(i));
        }
        for (long end = 2L * fleet.instances(); n < end; n++) {
            engine.evaluate(fleet.status(n));
        }
    }

    @Benchmark
    public ReplicationStatus parse() {
        return reader.apply(values[fleet.templateIndex(n++)]);
    }

    /**
     * The value carries its template's {@code observedAt}; the read status is re-timed to the
     * stream's (one small record copy) so that the engine does not drop it as older than the last.
     */
    @Benchmark
    public List<Alert> parseAndEvaluate() {
        ReplicationStatus status = reader.apply(values[fleet.templateIndex(n)]);
        return engine.evaluate(Fleet.withObservedAt(status, fleet.observedAt(n++)));
    }
}
