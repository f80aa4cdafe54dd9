package io.replsentinel.remediation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.replsentinel.event.SchemaCheck;
import io.replsentinel.remediation.CommandParams.Flavor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Commands are typed by their type, validated, conform to the shipped schema, and carry a signature that covers every field. */
class CommandModelTest {

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final CommandSigner signer = CommandSigner.withKey("k".repeat(32));

    @Test
    void everyTypeAndFlavor_roundTripsThroughJsonWithTypedParams_andConformsToTheSchema() throws Exception {
        for (Flavor f : Flavor.values()) {
            for (CommandParams p : SampleCommands.params(f)) {
                RemediationCommand c = signer.sign(SampleCommands.command(p));
                String text = json.writeValueAsString(c);
                assertThat(SchemaCheck.violations(SchemaCheck.COMMAND, text)).as(text).isEmpty();
                RemediationCommand back = json.readValue(text, RemediationCommand.class);
                assertThat(back).isEqualTo(c);
                assertThat(back.params()).isInstanceOf(c.type().paramsType());
                assertThat(signer.verifies(back)).isTrue();
            }
        }
    }

    @Test
    void paramsOfAnotherType_failTheReadNamingTheField() throws Exception {
        RemediationCommand c = signer.sign(SampleCommands.command(new SetServerIdParams(Flavor.mysql, 2, 4, List.of(), null, null)));
        ObjectNode tree = json.valueToTree(c);
        tree.put("type", "REPOINT_REPLICA");
        assertThatThrownBy(() -> json.treeToValue(tree, RemediationCommand.class))
                .hasMessageContaining("params.");
    }

    @Test
    void badParams_areRefusedWithTheFieldNamed() {
        assertThatThrownBy(() -> new SetServerIdParams(Flavor.mysql, 2, 0, List.of(), null, null))
                .hasMessageContaining("params.newServerId 0");
        assertThatThrownBy(() -> new SetServerIdParams(Flavor.mysql, 2, 2, List.of(), null, null))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> new SetServerIdParams(Flavor.mariadb, 2, 4, List.of(), "/etc/my.cnf", null))
                .hasMessageContaining("params.optionFileLine must be 'server_id=4'");
        assertThatThrownBy(() -> new InjectEmptyTransactionsParams(SampleCommands.REPLICA, SampleCommands.SOURCE,
                List.of(SampleCommands.UUID_A + ":1-5"))).hasMessageContaining("is not a single GTID");
        assertThatThrownBy(() -> new StartReplicaIoThreadParams(Flavor.mysql, "x'; DROP TABLE t; --", 2003))
                .hasMessageContaining("params.channel");
        assertThatThrownBy(() -> new RepointReplicaParams(Flavor.mysql, "", "a", 1, SampleCommands.SOURCE, "h$(id)", 3306))
                .hasMessageContaining("params.toHost");
        assertThatThrownBy(() -> new ResyncRowsParams(Flavor.mysql, SampleCommands.SOURCE, "lab", "t", List.of("id"),
                ResyncRowsParams.KEYS, List.of(List.of("1", "2")), List.of(), 1, false))
                .hasMessageContaining("params.keys: 2 value(s) for 1 key column(s)");
    }

    @Test
    void malformedParamsOnTheWire_failTheReadWithTheReason() throws Exception {
        RemediationCommand c = signer.sign(SampleCommands.command(new SetServerIdParams(Flavor.mysql, 2, 4, List.of(), null, null)));
        ObjectNode tree = json.valueToTree(c);
        ((ObjectNode) tree.get("params")).put("newServerId", 0);
        assertThatThrownBy(() -> json.treeToValue(tree, RemediationCommand.class))
                .isInstanceOf(ValueInstantiationException.class).hasMessageContaining("params.newServerId 0");
    }

    @Test
    void signature_coversTypeParamsSqlAndState_andAnotherKeyDoesNotVerify() throws Exception {
        RemediationCommand c = signer.sign(SampleCommands.command(new SetServerIdParams(Flavor.mysql, 2, 4, List.of(), null, null)));
        assertThat(signer.verifies(c)).isTrue();
        assertThat(c.signature()).matches("[0-9a-f]{64}");
        RemediationCommand otherParams = new RemediationCommand(c.schemaVersion(), c.id(), c.createdAt(), c.expiresAt(), c.type(),
                c.cluster(), c.instance(), new SetServerIdParams(Flavor.mysql, 2, 5, List.of(), null, null), c.reason(), c.safety(),
                c.sql(), c.state(), c.result(), c.approvedBy(), c.signature());
        assertThat(signer.verifies(otherParams)).isFalse();
        RemediationCommand otherSql = new RemediationCommand(c.schemaVersion(), c.id(), c.createdAt(), c.expiresAt(), c.type(),
                c.cluster(), c.instance(), c.params(), c.reason(), c.safety(),
                List.of(new SqlStatement(c.instance(), "SET PERSIST server_id = 5")), c.state(), c.result(), c.approvedBy(),
                c.signature());
        assertThat(signer.verifies(otherSql)).isFalse();
        assertThat(signer.verifies(c.withState(CommandState.approved, null, null).withSignature(c.signature()))).isFalse();
        assertThat(signer.verifies(c.withSignature(null))).isFalse();
        assertThat(CommandSigner.withKey("x".repeat(32)).verifies(c)).isFalse();
        assertThat(CommandSigner.ephemeral().verifies(c)).isFalse();
    }

    @Test
    void aShortSigningKey_isRefusedNamingTheSetting() {
        assertThatThrownBy(() -> CommandSigner.withKey("short")).hasMessageContaining("sentinel.remediation.signing-key");
    }

    @Test
    void sql_isExactPerTypeAndFlavor() {
        assertThat(CommandSql.of("h:1", new StartReplicaIoThreadParams(Flavor.mysql, "extra", 2003)))
                .containsExactly(new SqlStatement("h:1", "START REPLICA IO_THREAD FOR CHANNEL 'extra'"));
        assertThat(CommandSql.of("h:1", new StartReplicaIoThreadParams(Flavor.mariadb, "extra", 2003)))
                .containsExactly(new SqlStatement("h:1", "START REPLICA 'extra' IO_THREAD"));
        assertThat(CommandSql.of("h:1", new SetServerIdParams(Flavor.mysql, 2, 4, List.of(), null, null))).containsExactly(
                new SqlStatement("h:1", "STOP REPLICA"), new SqlStatement("h:1", "SET PERSIST server_id = 4"),
                new SqlStatement("h:1", "START REPLICA"));
        List<SqlStatement> maria = CommandSql.of("h:1", new SetServerIdParams(Flavor.mariadb, 2, 4, List.of(),
                "/etc/mysql/mariadb.conf.d/50-server.cnf", "server_id=4"));
        assertThat(maria.subList(0, 3)).containsExactly(new SqlStatement("h:1", "STOP ALL REPLICAS"),
                new SqlStatement("h:1", "SET GLOBAL server_id = 4"), new SqlStatement("h:1", "START ALL REPLICAS"));
        assertThat(maria.get(3).server()).isNull();
        assertThat(maria.get(3).statement()).contains("/etc/mysql/mariadb.conf.d/50-server.cnf").contains("server_id=4");
        String g = SampleCommands.UUID_A;
        assertThat(CommandSql.of("s:1", new InjectEmptyTransactionsParams("r:1", "s:1", List.of(g + ":7", g + ":8"))))
                .extracting(SqlStatement::statement).containsExactly("SET GTID_NEXT = '" + g + ":7'", "BEGIN", "COMMIT",
                        "SET GTID_NEXT = '" + g + ":8'", "BEGIN", "COMMIT", "SET GTID_NEXT = 'AUTOMATIC'");
        List<SqlStatement> resync = CommandSql.of("r:1", new ResyncRowsParams(Flavor.mysql, "s:1", "lab", "t", List.of("id"),
                ResyncRowsParams.KEYS, List.of(List.of("100"), List.of("10'1")), List.of(), 2, true));
        assertThat(resync).extracting(SqlStatement::statement).startsWith("SET GLOBAL super_read_only = OFF",
                "SET SESSION sql_log_bin = 0", "DELETE FROM `lab`.`t` WHERE `id` IN ('100', '10''1')");
        assertThat(resync.get(3).server()).isNull();
        assertThat(resync.get(3).statement()).contains("mysqldump --host=s --port=1").contains("--where=\"\\`id\\` IN ('100', '10''1')\"")
                .contains("--set-gtid-purged=OFF").contains("| mysql --host=r --port=1");
        assertThat(resync.get(4).statement()).isEqualTo("SET GLOBAL super_read_only = ON");
    }
}
