-- Least-privilege account for the replication monitor on MariaDB 10.11.
-- The test fixtures (and operators) replace ${USER} and ${PASSWORD}.
--   SLAVE MONITOR            : SHOW ALL REPLICAS STATUS / SHOW REPLICA STATUS
--   BINLOG MONITOR           : SHOW BINARY LOGS, SHOW MASTER STATUS
--   REPLICATION MASTER ADMIN : SHOW SLAVE HOSTS (the source's view of its replicas)
--   PROCESS                  : sees the replication user's Binlog Dump threads
-- Global variables (@@gtid_binlog_pos, @@gtid_slave_pos, @@read_only, ...) need no grant.
CREATE USER IF NOT EXISTS '${USER}'@'%' IDENTIFIED BY '${PASSWORD}';
GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION MASTER ADMIN, PROCESS ON *.* TO '${USER}'@'%';
-- Data checker (sentinel.divergence): SELECT on each checked schema, one line per schema; nothing
-- else, it never writes. The lab checks the schema divcheck.
GRANT SELECT ON divcheck.* TO '${USER}'@'%';
