package io.replsentinel.poll;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerVersionTest {

    @Test
    void mysql97_usesReplicaVocabulary() {
        ServerVersion v = ServerVersion.parse("9.7.4", "(Debian)");
        assertThat(v.flavor()).isEqualTo("mysql");
        assertThat(v.number()).isEqualTo("9.7.4");
        assertThat(Dialect.of(v)).isEqualTo(Dialect.MYSQL);
    }

    @Test
    void mysqlBefore8026_usesSlaveVocabulary() {
        assertThat(Dialect.of(ServerVersion.parse("8.0.25", "MySQL Community Server - GPL"))).isEqualTo(Dialect.MYSQL_LEGACY);
        assertThat(Dialect.of(ServerVersion.parse("5.7.44-log", "MySQL Community Server (GPL)"))).isEqualTo(Dialect.MYSQL_LEGACY);
    }

    @Test
    void mariadb1011_readsAllNamedConnections() {
        ServerVersion v = ServerVersion.parse("10.11.14-MariaDB-0+deb12u2-log", "Debian 12");
        assertThat(v.flavor()).isEqualTo("mariadb");
        assertThat(v.number()).isEqualTo("10.11.14");
        assertThat(Dialect.of(v)).isEqualTo(Dialect.MARIADB);
        assertThat(Dialect.of(v).replicaStatusSql()).isEqualTo("SHOW ALL REPLICAS STATUS");
    }

    @Test
    void mariadbWithReplicationPrefix_isReadPastThePrefix() {
        ServerVersion v = ServerVersion.parse("5.5.5-10.4.34-MariaDB", null);
        assertThat(v.number()).isEqualTo("10.4.34");
        assertThat(Dialect.of(v)).isEqualTo(Dialect.MARIADB_LEGACY);
    }
}
