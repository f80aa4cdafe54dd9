package io.replsentinel.pipeline;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.replsentinel.kafka.KafkaBrokerResource;
import io.replsentinel.lab.Topology;

/** Proposals from real faults on the MariaDB 10.11 lab topology: the same fixes in MariaDB's syntax. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = LabResource.class, scope = TestResourceScope.GLOBAL)
class MariaDbRemediationProposalTest extends RemediationProposalScenarios {

    @Override
    Topology topology() {
        return Lab.mariadb();
    }
}
