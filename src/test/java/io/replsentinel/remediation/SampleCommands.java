package io.replsentinel.remediation;

import io.replsentinel.remediation.CommandParams.Flavor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One command of every type and flavor, with the params a real proposal would carry. */
final class SampleCommands {

    static final String REPLICA = "127.0.0.1:23307";
    /** Port 1: nothing listens there, so a statement that connects to the source (CLONE, START REPLICA) fails at once. */
    static final String SOURCE = "127.0.0.1:1";
    static final String UUID_A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    private SampleCommands() {
    }

    static List<CommandParams> params(Flavor f) {
        List<CommandParams> all = new ArrayList<>();
        all.add(new StartReplicaIoThreadParams(f, "", 2003));
        all.add(new StartReplicaIoThreadParams(f, "extra", 2003));
        all.add(new RestartReplicaParams(f, "", SOURCE));
        all.add(new SetServerIdParams(f, 2, 4, List.of(SOURCE), f == Flavor.mariadb ? "/etc/mysql/mariadb.conf.d/50-server.cnf" : null,
                f == Flavor.mariadb ? "server_id=4" : null));
        all.add(new RepointReplicaParams(f, "", "no-such-host.invalid", 3306, SOURCE, "127.0.0.1", 1));
        if (f == Flavor.mysql) {
            all.add(new InjectEmptyTransactionsParams(REPLICA, SOURCE, List.of(UUID_A + ":7", UUID_A + ":8")));
        }
        all.add(new SkipTransactionParams(f, "", f == Flavor.mysql ? UUID_A + ":9" : null, 1062, "duplicate_key"));
        all.add(new ResyncRowsParams(f, SOURCE, "lab", "t", List.of("id"), ResyncRowsParams.KEYS,
                List.of(List.of("100"), List.of("10'1")), List.of(), 2, true));
        all.add(new ResyncRowsParams(f, SOURCE, "lab", "t2", List.of("a", "b"), ResyncRowsParams.RANGES, List.of(),
                List.of(new ResyncRowsParams.KeyRange(List.of("1", "x"), List.of("5", "z")),
                        new ResyncRowsParams.KeyRange(null, List.of("0", "a"))), 3, true));
        all.add(new ResyncRowsParams(f, SOURCE, "lab", "t", List.of(), ResyncRowsParams.TABLE, List.of(), List.of(), 1, true));
        all.add(new RebuildReplicaParams(f, "", SOURCE, "the source purged binary logs the replica still needs"));
        return all;
    }

    static RemediationCommand command(CommandParams p) {
        CommandType type = java.util.Arrays.stream(CommandType.values()).filter(t -> t.paramsType().isInstance(p))
                .findFirst().orElseThrow();
        String instance = p instanceof InjectEmptyTransactionsParams i ? i.source() : REPLICA;
        Instant at = Instant.parse("2026-12-01T10:00:00.123Z");
        return new RemediationCommand(RemediationCommand.SCHEMA_VERSION, java.util.UUID.randomUUID().toString(), at,
                at.plusSeconds(3600), type, "orders", instance, p, new CommandReason("ServerIdCollision", "0123456789abcdef"),
                type.defaultSafety(), CommandSql.of(instance, p), CommandState.proposed, null, null, null);
    }
}
