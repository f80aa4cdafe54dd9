-- The remediation executor's own account on MySQL 8.0 / 8.4 / 9.x (sentinel.clusters.<name>.remediation-user),
-- never the monitoring user. The test fixtures (and operators) replace ${USER} and ${PASSWORD}.
-- Create it on the source: it replicates to every replica. Used only with sentinel.remediation.execute=true.
--   REPLICATION CLIENT     : SHOW REPLICA STATUS, to re-read the instance right before acting
--   REPLICATION_SLAVE_ADMIN: START / STOP REPLICA [IO_THREAD], CHANGE REPLICATION SOURCE TO
--                            (START_REPLICA_IO_THREAD, RESTART_REPLICA, REPOINT_REPLICA, SET_SERVER_ID)
--   SYSTEM_VARIABLES_ADMIN : SET PERSIST server_id (SET_SERVER_ID), SET GTID_NEXT (INJECT_EMPTY_TRANSACTIONS)
-- No table privilege: an empty transaction (BEGIN; COMMIT under a GTID) touches no table, and the
-- account reads no row.
CREATE USER IF NOT EXISTS '${USER}'@'%' IDENTIFIED WITH caching_sha2_password BY '${PASSWORD}';
GRANT REPLICATION CLIENT, REPLICATION_SLAVE_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.* TO '${USER}'@'%';
