-- The remediation executor's own account on MariaDB 10.5.2+ (sentinel.clusters.<name>.remediation-user),
-- never the monitoring user. The test fixtures (and operators) replace ${USER} and ${PASSWORD}.
-- Create it on the source: it replicates to every replica. Used only with sentinel.remediation.execute=true.
--   SLAVE MONITOR            : SHOW ALL SLAVES STATUS, to re-read the instance right before acting
--   REPLICATION SLAVE ADMIN  : START / STOP SLAVE [IO_THREAD], CHANGE MASTER TO
--                              (START_REPLICA_IO_THREAD, RESTART_REPLICA, REPOINT_REPLICA, SET_SERVER_ID)
--   REPLICATION MASTER ADMIN : SET GLOBAL server_id (SET_SERVER_ID; without it, error 1227)
CREATE USER IF NOT EXISTS '${USER}'@'%' IDENTIFIED BY '${PASSWORD}';
GRANT SLAVE MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN ON *.* TO '${USER}'@'%';
