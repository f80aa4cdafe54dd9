package io.replsentinel.poll;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flavor and version of a server, from {@code @@version} and {@code @@version_comment}; decides
 * which statements the poller may use.
 */
public record ServerVersion(String flavor, int major, int minor, int patch, String raw) {

    public static final String MYSQL = "mysql";
    public static final String MARIADB = "mariadb";

    private static final Pattern NUMBERS = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    public static ServerVersion parse(String version, String versionComment) {
        String text = version == null ? "" : version;
        boolean maria = text.toLowerCase().contains("mariadb")
                || (versionComment != null && versionComment.toLowerCase().contains("mariadb"));
        // MariaDB 10.x behind a replication-compatibility prefix prints "5.5.5-10.11.6-MariaDB".
        String numbers = maria && text.startsWith("5.5.5-") ? text.substring(6) : text;
        Matcher m = NUMBERS.matcher(numbers);
        if (!m.find()) {
            return new ServerVersion(maria ? MARIADB : MYSQL, 0, 0, 0, text);
        }
        return new ServerVersion(maria ? MARIADB : MYSQL, Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), text);
    }

    public boolean mariadb() {
        return MARIADB.equals(flavor);
    }

    public boolean atLeast(int maj, int min, int pat) {
        if (major != maj) {
            return major > maj;
        }
        if (minor != min) {
            return minor > min;
        }
        return patch >= pat;
    }

    /** {@code 9.7.4}, without distribution suffixes. */
    public String number() {
        return major + "." + minor + "." + patch;
    }
}
