package io.replsentinel.remediation;

import io.replsentinel.lab.DbServer;
import io.replsentinel.lab.Flavor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every statement of every command type parses on the real servers and is allowed in the
 * read-only state its server is in: each is run, in its command's order and in one session, on a
 * scratch MySQL 9.7 and a scratch MariaDB 10.11 that belong to no topology (so nothing watched is
 * touched), read-only like a replica while the statement is meant for the replica and writable
 * like a primary otherwise. Errors about the scratch server's state (no such channel, no such
 * table, a source that does not answer) are expected; a syntax error or a read-only refusal is not.
 */
class CommandSqlSyntaxTest {

    /** ER_PARSE_ERROR and ER_SYNTAX_ERROR: the server could not read the statement. */
    private static final Set<Integer> SYNTAX_ERRORS = Set.of(1064, 1149);
    /** ER_OPTION_PREVENTS_STATEMENT: refused by (super_)read_only. */
    private static final int READ_ONLY = 1290;

    private static DbServer mysql;
    private static DbServer mariadb;

    @BeforeAll
    static void start() {
        mysql = DbServer.start(Flavor.MYSQL, 901);
        mariadb = DbServer.start(Flavor.MARIADB, 902);
    }

    @AfterAll
    static void stop() {
        if (mysql != null) {
            mysql.close();
        }
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @Test
    void everyMySqlStatement_parsesOnMySql97() throws SQLException {
        assertNoSyntaxError(mysql, CommandParams.Flavor.mysql);
    }

    @Test
    void everyMariaDbStatement_parsesOnMariaDb1011() throws SQLException {
        assertNoSyntaxError(mariadb, CommandParams.Flavor.mariadb);
    }

    private static void assertNoSyntaxError(DbServer server, CommandParams.Flavor flavor) throws SQLException {
        List<String> refused = new ArrayList<>();
        int run = 0;
        for (CommandParams p : SampleCommands.params(flavor)) {
            RemediationCommand c = SampleCommands.command(p);
            String readOnlyAs = null;
            try (Connection session = server.rootConnection(); Statement st = session.createStatement()) {
                for (SqlStatement s : c.sql()) {
                    if (s.server() == null) {
                        continue;
                    }
                    if (!s.server().equals(readOnlyAs)) {
                        readOnlyAs = s.server();
                        setReadOnly(server, s.server().equals(SampleCommands.REPLICA));
                    }
                    run++;
                    try {
                        st.execute(s.statement());
                        System.out.println("[sql] " + flavor + " " + c.type() + " ok: " + s.statement());
                    } catch (SQLException e) {
                        System.out.println("[sql] " + flavor + " " + c.type() + " " + e.getErrorCode() + ": " + s.statement()
                                + " -> " + e.getMessage());
                        if (SYNTAX_ERRORS.contains(e.getErrorCode()) || e.getErrorCode() == READ_ONLY) {
                            refused.add(c.type() + ": " + s.statement() + " -> " + e.getMessage());
                        }
                    }
                }
            }
        }
        assertThat(run).isGreaterThan(20);
        setReadOnly(server, false);
        assertThat(refused).isEmpty();
    }

    private static void setReadOnly(DbServer server, boolean on) {
        String value = on ? "ON" : "OFF";
        server.exec(server.flavor() == Flavor.MYSQL ? "SET GLOBAL super_read_only = " + value : "SET GLOBAL read_only = " + value);
    }
}
