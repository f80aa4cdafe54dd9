#!/bin/sh
# Runs once, in a replica's first start (docker-entrypoint-initdb.d): replicate from db-source with
# GTIDs. The IO thread retries every 2 s until the source has created the replication account.
set -eu
mariadb --protocol=socket -uroot -p"${MARIADB_ROOT_PASSWORD}" <<SQL
CHANGE MASTER TO MASTER_HOST='db-source', MASTER_PORT=3306, MASTER_USER='repl',
  MASTER_PASSWORD='${REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2;
START SLAVE;
SQL
