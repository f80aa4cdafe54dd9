package io.replsentinel.remediation;

/**
 * The typed, validated parameters of one command type (see {@link CommandType#paramsType()}).
 * Each implementation is a record whose constructor refuses bad values with an
 * {@link IllegalArgumentException} naming the field, so a command that exists is well-formed.
 * On the topic {@code params} is a JSON object read by the command's {@code type}.
 */
public interface CommandParams {

    /** The flavor a command's SQL is written for. */
    enum Flavor {
        mysql, mariadb
    }

    /** Fails with a message naming {@code field} when {@code value} is null or blank. */
    static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("params." + field + " is required");
        }
        return value;
    }

    /** Fails with a message naming {@code field} when {@code value} is null. */
    static <T> T present(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException("params." + field + " is required");
        }
        return value;
    }

    /** A replication channel / MariaDB connection name: empty for the default one, never quotes or backslashes. */
    static String channel(String value) {
        String c = value == null ? "" : value;
        if (c.length() > 64 || c.chars().anyMatch(ch -> ch == '\'' || ch == '\\' || ch == '`' || ch < 0x20)) {
            throw new IllegalArgumentException("params.channel '" + c + "' is not a valid channel name");
        }
        return c;
    }

    /** A host name or address the SQL may quote: letters, digits, dots, dashes, underscores, colons (IPv6). */
    static String host(String field, String value) {
        required(field, value);
        if (value.length() > 255 || !value.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException("params." + field + " '" + value + "' is not a host name or address");
        }
        return value;
    }

    /** A TCP port, 1..65535. */
    static int port(String field, int value) {
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException("params." + field + " " + value + " is not a port (1..65535)");
        }
        return value;
    }

    /** A server_id a server accepts as a replication member: 1..4294967295. */
    static long serverId(String field, long value) {
        if (value < 1 || value > 4294967295L) {
            throw new IllegalArgumentException("params." + field + " " + value + " is not a server_id (1..4294967295)");
        }
        return value;
    }

    /** An instance id, {@code host:port}. */
    static String instance(String field, String value) {
        required(field, value);
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("params." + field + " '" + value + "' is not host:port");
        }
        host(field, value.substring(0, colon));
        try {
            port(field, Integer.parseInt(value.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("params." + field + " '" + value + "' is not host:port");
        }
        return value;
    }

    /** A schema, table or column name the SQL quotes with backticks: no backtick, no control character. */
    static String identifier(String field, String value) {
        required(field, value);
        if (value.length() > 64 || value.chars().anyMatch(ch -> ch == '`' || ch < 0x20)) {
            throw new IllegalArgumentException("params." + field + " '" + value + "' is not a valid identifier");
        }
        return value;
    }
}
