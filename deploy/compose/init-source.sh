#!/bin/sh
# Runs once, in the source's first start (docker-entrypoint-initdb.d): the replication account and the
# monitoring account of scripts/lab/grants-mariadb.sql (the file the tests use), then a schema to write to.
# Written to the binary log on purpose: the replicas get the same accounts by replicating them.
set -eu
{
  echo "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '${REPL_PASSWORD}';"
  echo "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';"
  sed -e "s/\${USER}/sentinel/g" -e "s/\${PASSWORD}/${MONITOR_PASSWORD}/g" /lab/grants-mariadb.sql
  echo "CREATE DATABASE IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY, v VARCHAR(64));"
} | mariadb --protocol=socket -uroot -p"${MARIADB_ROOT_PASSWORD}"
