package io.replsentinel.bench;

import io.replsentinel.event.Alert;
import io.replsentinel.rules.RulesEngine;
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

/**
 * Status events the rules engine evaluates per second on one thread, for fleets of 10 to 10,000
 * clusters of three ({@link Fleet}: 5% of replicas with a stopped applier, 5% with a receiver
 * connecting, their alerts firing): each event folds one poll into its cluster's view, runs every
 * detector of the catalogue over the cluster and moves the cluster's alerts. A flat score across
 * fleet sizes means the cost of an event does not grow with the fleet. The smallest fleet is 10
 * clusters, the smallest with the same fault mix as the others. Run by {@link RulesEngineBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RulesEngineBenchmark {

    @Param({"10", "100", "1000", "10000"})
    public int clusters;

    @Param({"mysql", "mariadb"})
    public String flavor;

    private Fleet fleet;
    private RulesEngine engine;
    private long n;

    @Setup
    public void setUp() {
        fleet = Fleet.of(Fleet.Flavor.valueOf(flavor), clusters);
        engine = Engines.rulesEngine();
        // two rounds first, so every cluster has its view and its alerts before timing starts
        for (long end = 2L * fleet.instances(); n < end; n++) {
            engine.evaluate(fleet.status(n));
        }
    }

    @Benchmark
    public List<Alert> evaluate() {
        return engine.evaluate(fleet.status(n++));
    }
}
