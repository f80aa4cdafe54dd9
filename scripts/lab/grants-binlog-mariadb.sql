-- What the binlog listener needs on MariaDB 10.11, beside the monitoring grants (grants-mariadb.sql),
-- for the same account. The test fixtures (and operators) replace ${USER} and ${SCHEMA}.
--   REPLICATION SLAVE : the binlog dump itself
--   BINLOG MONITOR    : SHOW BINARY LOGS / SHOW MASTER STATUS (already in grants-mariadb.sql)
--   SELECT on each watched schema : the table definitions the row images are read with
--                        (snapshot.mode=no_data reads no row, and takes no lock)
GRANT REPLICATION SLAVE ON *.* TO '${USER}'@'%';
GRANT SELECT ON `${SCHEMA}`.* TO '${USER}'@'%';
