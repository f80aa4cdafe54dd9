package io.replsentinel.poll;

import io.replsentinel.event.VersionNumber;

/**
 * Flavor and version of a server, from {@code @@version} and {@code @@version_comment}; decides
 * which statements the poller may use. The numbers are read by {@link VersionNumber}, as the
 * detectors read the version a status carries.
 */
public record ServerVersion(String flavor, VersionNumber numbers, String raw) {

    public static final String MYSQL = "mysql";
    public static final String MARIADB = "mariadb";

    public static ServerVersion parse(String version, String versionComment) {
        String text = version == null ? "" : version;
        boolean maria = text.toLowerCase().contains("mariadb")
                || (versionComment != null && versionComment.toLowerCase().contains("mariadb"));
        // MariaDB 10.x behind a replication-compatibility prefix prints "5.5.5-10.11.6-MariaDB".
        String numbers = maria && text.startsWith("5.5.5-") ? text.substring(6) : text;
        return new ServerVersion(maria ? MARIADB : MYSQL, VersionNumber.parse(numbers), text);
    }

    public boolean mariadb() {
        return MARIADB.equals(flavor);
    }

    public boolean atLeast(int maj, int min, int pat) {
        return numbers.atLeast(maj, min, pat);
    }

    /** {@code 9.7.4}, without distribution suffixes. */
    public String number() {
        return numbers.toString();
    }
}
