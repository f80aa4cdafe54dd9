package io.replsentinel.remediation;

/** The alert episode a command was proposed for. */
public record CommandReason(String alertname, String fingerprint) {
}
