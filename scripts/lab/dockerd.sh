#!/usr/bin/env bash
# A private Docker engine for the lab's container tests, never the system's:
#
#   scripts/lab/dockerd.sh start RUN_DIR   installs docker.io if missing, starts dockerd with its socket
#                                          (RUN_DIR/docker.sock), data root, exec root, pid file, bridge
#                                          and cgroup parent all its own; returns once the engine answers
#   scripts/lab/dockerd.sh stop RUN_DIR    stops that engine and everything it started (containerd, shims,
#                                          proxies, containers), unmounts, removes its bridge and RUN_DIR
#
# RUN_DIR must be short (unix socket paths are limited to 108 bytes) and unique: it is the marker by
# which stop recognises this engine's processes, so stop never touches another engine. The engine
# changes no firewall rule and no system setting (--iptables=false --ip-forward=false): published
# ports go through docker-proxy, on the host's loopback only (--ip 127.0.0.1).
set -euo pipefail

log() { printf '[lab-dockerd] %s\n' "$*" >&2; }

cmd="${1:?usage: dockerd.sh start|stop RUN_DIR}"
RUN="${2:?usage: dockerd.sh start|stop RUN_DIR}"
RUN="$(realpath -m "$RUN")"
ID="$(printf '%s' "$RUN" | sha256sum | cut -c1-8)"
BRIDGE="rsd$ID"
CGROUP="rs-docker-$ID"
SOCK="$RUN/docker.sock"

install_docker() {
  log "installing docker.io (Debian's package; its service is kept from starting)"
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; created_policy=1
  fi
  local apt=(apt-get -o DPkg::Lock::Timeout=600)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends docker.io >&2 \
    || { "${apt[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends docker.io >&2; }
  if [ "$created_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# Every process whose command line names RUN_DIR (dockerd, its containerd and the shims).
own_processes() {
  local p
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -qF -- "$RUN/"; then
      echo "${p#/proc/}"
    fi
  done
}

descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"; descendants "$child"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || { log "dockerd needs root"; exit 2; }
  command -v dockerd >/dev/null 2>&1 || install_docker
  if [ -S "$SOCK" ] && docker -H "unix://$SOCK" version >/dev/null 2>&1; then
    log "engine at $SOCK already answers"; return 0
  fi
  mkdir -p "$RUN/data" "$RUN/exec"
  echo '{}' > "$RUN/daemon.json"
  # a bridge of its own, on a /24 no interface uses yet: two engines never share docker0
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    local n subnet=""
    for n in $(shuf -i 1-254); do
      if ! ip -o -4 addr show | grep -q " 10\.213\.$n\."; then subnet="10.213.$n"; break; fi
    done
    [ -n "$subnet" ] || { log "no free 10.213.x.0/24 subnet"; exit 1; }
    ip link add name "$BRIDGE" type bridge
    ip addr add "$subnet.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  setsid dockerd --host "unix://$SOCK" --data-root "$RUN/data" --exec-root "$RUN/exec" \
    --pidfile "$RUN/dockerd.pid" --config-file "$RUN/daemon.json" --bridge "$BRIDGE" \
    --cgroup-parent "/$CGROUP" --ip 127.0.0.1 --iptables=false --ip-masq=false --ip-forward=false \
    --storage-driver overlay2 --log-level warn \
    < /dev/null > "$RUN/dockerd.log" 2>&1 &
  local pid=$! i
  for i in $(seq 1 600); do
    if docker -H "unix://$SOCK" version >/dev/null 2>&1; then
      log "dockerd $(cat "$RUN/dockerd.pid") answers at $SOCK after $((i / 10)).$((i % 10)) s"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  log "dockerd did not come up:"; tail -20 "$RUN/dockerd.log" >&2 || true
  stop; exit 1
}

stop() {
  local pid="" p i tree=()
  [ -f "$RUN/dockerd.pid" ] && pid="$(cat "$RUN/dockerd.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$RUN/"; then
    mapfile -t tree < <(descendants "$pid")
    # SIGTERM: dockerd stops its containers (10 s grace each) and its containerd itself
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # what survived it: children it had (docker-proxy), and its containerd and shims by their RUN_DIR paths
  for p in "${tree[@]}" $(own_processes); do kill -KILL "$p" 2>/dev/null || true; done
  # container processes, found by the cgroup parent that only this engine uses
  local ctl cg
  for ctl in /sys/fs/cgroup/*/; do
    [ -d "$ctl$CGROUP" ] || continue
    for cg in $(find "$ctl$CGROUP" -name cgroup.procs 2>/dev/null); do
      for p in $(cat "$cg" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    done
  done
  sleep 0.2
  for ctl in /sys/fs/cgroup/*/; do
    [ -d "$ctl$CGROUP" ] && find "$ctl$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  local m
  for m in $(awk -v d="$RUN/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$RUN"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) log "unknown command $cmd"; exit 2 ;;
esac
