#!/usr/bin/env bash
# Builds a Kafka broker image that Testcontainers' KafkaContainer accepts as a substitute for
# apache/kafka, without any image registry, and imports it into the Docker engine at $DOCKER_HOST.
#
#   scripts/lab/kafka-image.sh IMAGE_NAME KAFKA_VERSION
#
#  - rootfs: Debian 12 minbase from debootstrap with openjdk-17-jre-headless;
#  - /opt/kafka/libs: the runtime closure of org.apache.kafka:kafka_2.13:KAFKA_VERSION from Maven
#    Central (resolved with the project's own Maven wrapper), log4j's slf4j binding for the log;
#  - /etc/kafka/docker/run: what KafkaContainer's starter script executes after exporting
#    KAFKA_ADVERTISED_LISTENERS. As in apache/kafka, every KAFKA_* variable becomes a broker
#    property (KAFKA_FOO_BAR -> foo.bar, '__' -> '_', '___' -> '-'), CLUSTER_ID formats the log
#    directory on first start, and a restarted container keeps its data.
#
# The rootfs tarball is cached in ${REPL_SENTINEL_LAB_DIR:-$HOME/.cache/repl-sentinel/lab}/kafka-image,
# keyed by the Kafka version and this script's content, so later runs only `docker import` it.
set -euo pipefail

IMAGE="$1"
KAFKA_VERSION="$2"
# the log4j Kafka itself depends on; its slf4j 1.x binding carries the broker's log to stdout
LOG4J_VERSION="${LOG4J_VERSION:-2.25.3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PROJECT="$(cd "$HERE/../.." && pwd)"
CACHE="${REPL_SENTINEL_LAB_DIR:-$HOME/.cache/repl-sentinel/lab}/kafka-image"
KEY="$(sha256sum "$0" | cut -c1-12)"
TAR="$CACHE/kafka-$KAFKA_VERSION-$KEY.tar"
: "${DOCKER_HOST:?DOCKER_HOST must name the engine to import into}"

log() { printf '[kafka-image] %s\n' "$*" >&2; }

build_rootfs() {
  local work="$CACHE/build.$$" root
  root="$work/rootfs"
  rm -rf "$work"; mkdir -p "$work"
  trap 'umount_below "$work"; rm -rf "$work"' EXIT
  log "debootstrap bookworm (minbase + openjdk-17-jre-headless) into $root"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$root" \
    http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  umount_below "$root"

  log "resolving kafka_2.13 $KAFKA_VERSION and its runtime closure"
  mkdir -p "$work/libs-pom" "$root/opt/kafka/libs" "$root/opt/kafka/config" "$root/etc/kafka/docker" \
    "$root/var/lib/kafka/data"
  cat > "$work/libs-pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.replsentinel.lab</groupId>
  <artifactId>kafka-image-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  "$PROJECT/mvnw" -q -B -f "$work/libs-pom/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.9.0:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$root/opt/kafka/libs" >&2

  cat > "$root/opt/kafka/config/log4j2.properties" <<'EOF'
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
EOF
  cat > "$root/etc/kafka/docker/run" <<'EOF'
#!/bin/bash
# Broker start-up as apache/kafka's image does it: KAFKA_* variables are the broker's properties.
set -euo pipefail
props=/opt/kafka/config/server.properties
: "${KAFKA_LOG_DIRS:=/var/lib/kafka/data}"
export KAFKA_LOG_DIRS
: > "$props"
while IFS= read -r -d '' entry; do
  name="${entry%%=*}"; value="${entry#*=}"
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS|KAFKA_GC_LOG_OPTS|KAFKA_JMX_OPTS|KAFKA_DEBUG|KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key="${name#KAFKA_}"; key="${key,,}"
  key="${key//___/-}"; key="${key//__/%}"; key="${key//_/.}"; key="${key//%/_}"
  printf '%s=%s\n' "$key" "$value" >> "$props"
done < <(env -0)
# C1 only and the serial collector: a test broker starts faster on two busy cores and needs no more
java_opts=(${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties ${KAFKA_OPTS:-})
if [ ! -f "$KAFKA_LOG_DIRS/meta.properties" ]; then
  java "${java_opts[@]}" -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format --ignore-formatted \
    -t "${CLUSTER_ID:?CLUSTER_ID is required}" -c "$props"
fi
# Testcontainers' command keeps a shell as PID 1, which passes no SIGTERM on: this file names the broker
# (exec keeps this PID) so a graceful stop can signal it directly
echo $$ > /run/kafka.pid
exec java "${java_opts[@]}" -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
EOF
  chmod 755 "$root/etc/kafka/docker/run"

  # what a broker never needs: docs, man pages, translations, apt's lists and downloads
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*
  mkdir -p "$CACHE"
  tar -C "$root" --numeric-owner -cf "$TAR.tmp" .
  mv "$TAR.tmp" "$TAR"
  # older builds (another Kafka version or script) are not reused
  find "$CACHE" -maxdepth 1 -name 'kafka-*.tar' ! -name "$(basename "$TAR")" -delete
  trap - EXIT
  umount_below "$work"; rm -rf "$work"
}

umount_below() {
  local dir="$1" m
  [ -d "$dir" ] || return 0
  for m in $(awk -v d="$dir" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

if [ ! -f "$TAR" ]; then
  start=$SECONDS
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap >&2 \
      || { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
           apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap >&2; }
  fi
  build_rootfs
  log "built $TAR in $((SECONDS - start)) s"
else
  log "cached rootfs $TAR"
fi

start=$SECONDS
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /opt/kafka' \
  --change 'EXPOSE 9092' \
  --change 'CMD ["/etc/kafka/docker/run"]' \
  "$TAR" "$IMAGE" >/dev/null
log "imported $IMAGE in $((SECONDS - start)) s"
