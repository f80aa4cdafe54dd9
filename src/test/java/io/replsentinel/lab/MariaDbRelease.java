package io.replsentinel.lab;

/**
 * Which MariaDB a {@link Flavor#MARIADB} server runs. A mixed-version topology needs two of them:
 * they replicate from each other, unlike MySQL and MariaDB.
 */
public enum MariaDbRelease {
    /** Debian 12's own {@code mariadb-server}, installed on the system: the lab's default. */
    V10_11,
    /** Debian 13 (trixie)'s, extracted into the cache by {@code provision.sh} and run through trixie's loader. */
    V11_8
}
