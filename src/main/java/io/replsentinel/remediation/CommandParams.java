package io.replsentinel.remediation;

/** The typed, validated parameters of one command type. */
public interface CommandParams {
}
