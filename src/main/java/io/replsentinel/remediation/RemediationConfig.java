package io.replsentinel.remediation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of remediation ({@code sentinel.remediation}): what is proposed, how commands are signed,
 * and whether anything is ever run. Commands are always proposed and published; nothing runs
 * unless {@code execute=true} and the type is listed in {@code types}.
 */
@ConfigMapping(prefix = "sentinel.remediation")
public interface RemediationConfig {

    /**
     * Lets the executor run commands: {@code auto} ones at once, {@code approval} ones once approved,
     * {@code manual} ones never. Off by default: with it off nothing is ever run against a server.
     * Needs {@code signing-key}: the service refuses to start with it on and no key.
     */
    @WithDefault("false")
    boolean execute();

    /** The command types the executor may run when {@code execute=true}; none when absent. */
    Optional<Set<CommandType>> types();

    /**
     * The HMAC-SHA256 key every command is signed with, shared by every node of the service so they
     * recognise each other's commands and refuse forged ones (at least 32 characters; a secret, never
     * logged). When absent, each process signs with a random key of its own and says so at start-up:
     * fine for one node, but then a node refuses every other node's commands, and its own after a
     * restart.
     */
    Optional<String> signingKey();

    /**
     * How long a proposed command stays open: past {@code createdAt} plus this it expires, whether or
     * not its alert resolved, so a stale proposal is never approved days later.
     */
    @WithDefault("1h")
    Duration commandTtl();

    /** How often open commands are checked against their {@code expiresAt}. */
    @WithDefault("30s")
    Duration expirySweepInterval();

    /**
     * Most errant GTIDs one INJECT_EMPTY_TRANSACTIONS lists: beyond that many transactions were
     * written on the replica, which is better rebuilt than papered over.
     */
    @WithDefault("1000")
    @Min(1)
    int maxEmptyTransactions();

    /**
     * Most differing rows one RESYNC_ROWS covers; a divergence beyond it, or one the checker stopped
     * counting (truncated), proposes REBUILD_REPLICA instead.
     */
    @WithDefault("10000")
    @Min(1)
    int maxResyncRows();

    /** Lowest server_id the allocator hands out for SET_SERVER_ID. */
    @WithDefault("1")
    @Min(1)
    @Max(4294967295L)
    long serverIdMin();

    /**
     * Highest server_id the allocator hands out; the binlog listeners' range
     * ({@code sentinel.binlog.server-id-min..max}) is always skipped.
     */
    @WithDefault("4294967295")
    @Min(1)
    @Max(4294967295L)
    long serverIdMax();

    /**
     * The MariaDB option file a SET_SERVER_ID command names for the line to change (MariaDB has no
     * SET PERSIST); Debian's default.
     */
    @WithDefault("/etc/mysql/mariadb.conf.d/50-server.cnf")
    String mariadbOptionFile();
}
