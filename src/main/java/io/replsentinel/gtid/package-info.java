/**
 * GTID values of both flavors, as immutable values that the rules compare across instances.
 *
 * <p>The pollers read GTID text from the servers ({@code @@gtid_executed}, {@code Executed_Gtid_Set},
 * {@code @@gtid_binlog_state}, {@code @@gtid_slave_pos}...); these types parse it once, compare it
 * without a server ({@code GTID_SUBTRACT} does not exist on MariaDB, and a replica that is down
 * cannot be asked), and print it back in a form the server accepts. {@link
 * io.replsentinel.gtid.ErrantTransactions} is the one place where "this replica wrote something
 * its source never had" is decided, for both flavors.
 */
package io.replsentinel.gtid;
