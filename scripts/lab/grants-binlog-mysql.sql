-- What the binlog listener needs on MySQL 9.7, beside the monitoring grants (grants-mysql.sql),
-- for the same account. The test fixtures (and operators) replace ${USER} and ${SCHEMA}.
--   REPLICATION SLAVE  : the binlog dump itself (already in grants-mysql.sql)
--   REPLICATION CLIENT : SHOW BINARY LOG STATUS; without it Debezium 3.5.0 falls back to the
--                        removed SHOW MASTER STATUS and fails (already in grants-mysql.sql)
--   SELECT on each watched schema : the table definitions the row images are read with
--                        (snapshot.mode=no_data reads no row, and takes no lock)
GRANT SELECT ON `${SCHEMA}`.* TO '${USER}'@'%';
