/**
 * The sandbox ({@code scripts/sandbox}): a real local topology built by the test lab's own code,
 * the packaged service watching it with its embedded Kafka broker, and the lab's faults on command.
 * Reads commands from a local HTTP control port; writes only to the sandbox's own servers, and
 * everything it starts lives below {@code target/sandbox}.
 */
package io.replsentinel.sandbox;
