-- Least-privilege account for the replication monitor on MySQL 9.7.
-- The test fixtures (and operators) replace ${USER} and ${PASSWORD}.
--   REPLICATION CLIENT : SHOW REPLICA STATUS, SHOW BINARY LOG STATUS, SHOW BINARY LOGS
--   REPLICATION SLAVE  : SHOW REPLICAS (the source's view of its connected replicas)
--   PROCESS            : sees the replication user's Binlog Dump threads in the processlist
--   SELECT on performance_schema : replication_connection_status/_configuration,
--                        replication_applier_status_by_worker/_by_coordinator
-- Global variables (@@gtid_executed, @@server_uuid, @@read_only, ...) need no grant.
CREATE USER IF NOT EXISTS '${USER}'@'%' IDENTIFIED WITH caching_sha2_password BY '${PASSWORD}';
GRANT REPLICATION CLIENT, REPLICATION SLAVE, PROCESS ON *.* TO '${USER}'@'%';
GRANT SELECT ON performance_schema.* TO '${USER}'@'%';
-- Data checker (sentinel.divergence): SELECT on each checked schema, one line per schema; nothing
-- else, it never writes. The lab checks the schema divcheck.
GRANT SELECT ON divcheck.* TO '${USER}'@'%';
