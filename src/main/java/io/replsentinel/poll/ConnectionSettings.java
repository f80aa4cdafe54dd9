package io.replsentinel.poll;

import io.replsentinel.inventory.SentinelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Properties;

/**
 * The Connector/J properties of every monitoring connection, from {@code sentinel.poll.*}: timeouts
 * bounded by the poll's deadline, TLS, and whether the RSA key may be fetched. Built once: a CA file
 * is read (and a bad one fails start-up, naming the key) before the first poll.
 */
final class ConnectionSettings {

    private static final String TRUST_STORE_PASSWORD = "repl-sentinel";

    private final SentinelConfig.Poll poll;
    private final Path trustStore;

    ConnectionSettings(SentinelConfig.Poll poll) {
        this.poll = poll;
        this.trustStore = poll.tls().caFile().map(ConnectionSettings::trustStoreOf).orElse(null);
    }

    /** The properties for one login. */
    Properties properties(String user, String password) {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        long deadline = poll.timeout().toMillis();
        props.setProperty("connectTimeout", Long.toString(Math.min(poll.connectTimeout().toMillis(), deadline)));
        // every read is bounded by the poll's deadline too, so a thread the poll abandoned while it was
        // still logging in (no connection to abort yet) ends by itself soon after
        props.setProperty("socketTimeout", Long.toString(deadline));
        props.setProperty("connectionAttributes", "program_name:repl-sentinel");
        // Connector/J's result-metadata cache would save unpacking the column definitions on every
        // poll, but each kept connection would hold them (a Field, its packet bytes and five strings
        // per column: some 30 KB a connection, PollConnectionMemoryBench), 140 MB over a fleet of
        // 4,600; Row's column index, shared by all connections, is what the polls reuse instead
        props.setProperty("cacheResultSetMetadata", "false");
        // the OpenTelemetry API comes with the Kafka connector, so Connector/J would open a span per
        // statement for a tracer that exports nowhere (the service exports no traces)
        props.setProperty("openTelemetry", "DISABLED");
        // a poll's three statements go in one round trip (InstanceReader); only the service's own
        // constant statements run on these connections
        props.setProperty("allowMultiQueries", "true");
        props.setProperty("sslMode", poll.tls().mode().name());
        props.setProperty("allowPublicKeyRetrieval", Boolean.toString(poll.allowPublicKeyRetrieval()));
        if (trustStore != null) {
            props.setProperty("trustCertificateKeyStoreUrl", trustStore.toUri().toString());
            props.setProperty("trustCertificateKeyStoreType", "PKCS12");
            props.setProperty("trustCertificateKeyStorePassword", TRUST_STORE_PASSWORD);
        }
        return props;
    }

    String url(String host, int port) {
        return "jdbc:mysql://" + host + ":" + port + "/?" + poll.jdbcOptions();
    }

    /** Connector/J reads CAs from a key store only: the PEM file becomes a private PKCS12 file. */
    private static Path trustStoreOf(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("sentinel.poll.tls.ca-file " + pem + " holds no certificate");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate cert : certs) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            Path file = Files.createTempFile("repl-sentinel-ca", ".p12");
            file.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, TRUST_STORE_PASSWORD.toCharArray());
            }
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("sentinel.poll.tls.ca-file " + pem + " is not a readable PEM certificate file: "
                    + e.getMessage(), e);
        }
    }
}
