package io.replsentinel.inventory;

/** A MySQL login (e.g. a cluster's remediation account); the password cannot leak through {@code toString}. */
public record Account(String user, Secret password) {
}
