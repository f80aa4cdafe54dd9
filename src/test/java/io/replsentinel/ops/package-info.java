/**
 * Tests of what operators look at: the console in a real headless Chromium, grafana/'s dashboards on
 * a real Prometheus running deploy/'s configuration, and docker-compose.yml as docker-compose reads
 * it. They read the service's HTTP endpoints and the repository's files; they write screenshots
 * under target/screenshots.
 */
package io.replsentinel.ops;
