package io.replsentinel.ops;

import io.replsentinel.lab.LabInstall;

import java.nio.file.Path;

/**
 * The files docker-compose.yml mounts that the tests also run real servers on: one list, so the
 * compose test and the Prometheus test cannot drift apart.
 */
final class DeployFiles {

    static final String PROMETHEUS_CONFIG = "deploy/prometheus/prometheus.yml";
    static final String ALERTMANAGER_CONFIG = "deploy/alertmanager/alertmanager.yml";
    static final String ALERT_RULES = "alerts";
    static final String COMPOSE_INVENTORY = "deploy/compose/inventory.yaml";
    static final String MARIADB_GRANTS = "scripts/lab/grants-mariadb.sql";

    private DeployFiles() {
    }

    static Path path(String relative) {
        return LabInstall.get().projectRoot().resolve(relative);
    }
}
