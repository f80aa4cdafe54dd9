package io.replsentinel.pipeline;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.Topology;

/** {@link DataDivergenceScenarios} on the MySQL 9.7 topology. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MySqlDataDivergenceTest extends DataDivergenceScenarios {

    @Override
    Topology topology() {
        return Lab.mysql();
    }

    @Override
    String cluster() {
        return Lab.MYSQL_CLUSTER;
    }
}
