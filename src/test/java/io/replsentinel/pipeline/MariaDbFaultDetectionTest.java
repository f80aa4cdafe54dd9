package io.replsentinel.pipeline;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.Topology;

/** The foundation's faults on a real MariaDB 10.11 topology. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MariaDbFaultDetectionTest extends FaultDetectionScenarios {

    @Override
    Topology topology() {
        return Lab.mariadb();
    }

    @Override
    String cluster() {
        return Lab.MARIADB_CLUSTER;
    }
}
