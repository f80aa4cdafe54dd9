#!/usr/bin/env bash
# Provisions the real database servers the test lab runs against, without touching
# the system's apt sources and without leaving any server running on the standard ports.
#
#  - MariaDB 10.11 and Alertmanager from Debian 12 (system apt, services kept from starting)
#  - MySQL 9.7 from Debian sid, extracted (never installed) into the cache directory and run
#    through sid's own dynamic loader.
#  - MariaDB 11.8 from Debian 13 (trixie), extracted the same way into mariadb-trixie: the newer
#    of the two MariaDB versions a mixed-version topology needs (10.11 is the system's).
#
# Cache: ${REPL_SENTINEL_LAB_DIR:-$HOME/.cache/repl-sentinel/lab}. Idempotent; a second run
# only checks what is there and prints the versions.
set -euo pipefail

CACHE="${REPL_SENTINEL_LAB_DIR:-$HOME/.cache/repl-sentinel/lab}"
SID="$CACHE/mysql-sid"
MARKER="$SID/.complete"
APT_LOCK_WAIT=(-o DPkg::Lock::Timeout=600)

log() { printf '[lab-provision] %s\n' "$*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    log "not root and no sudo: cannot install system packages"; fi
fi

mkdir -p "$CACHE"

# ---------------------------------------------------------------- system packages (Debian 12)
APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" update -qq
    APT_UPDATED=1
  fi
}

# Installs packages while keeping their init scripts from starting a server on the default port.
install_quietly() {
  local created_policy=0 before after pid
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  before="$(pidof mariadbd prometheus-alertmanager || true)"
  apt_update_once
  local rc=0
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" install -y -qq \
    --no-install-recommends "$@" >&2 || rc=$?
  if [ "$rc" -ne 0 ]; then
    # The package lists may be stale (a clean CI image): refresh once and retry.
    APT_UPDATED=0; apt_update_once
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" install -y -qq \
      --no-install-recommends "$@" >&2
  fi
  # Only a server that this install started is stopped; anything that ran before is left alone.
  after="$(pidof mariadbd prometheus-alertmanager || true)"
  for pid in $after; do
    case " $before " in *" $pid "*) continue ;; esac
    log "stopping server $pid started by the package install"
    "${SUDO[@]}" kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$created_policy" -eq 1 ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
}

need=()
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  need+=(mariadb-server mariadb-client)
fi
if [ ! -x /usr/bin/prometheus-alertmanager ]; then
  need+=(prometheus-alertmanager)
fi
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  install_quietly "${need[@]}"
fi

# Extracts the dependency closure of the given packages from Debian suite $1 into $2.tmp, through a
# private apt configuration: the system's sources, lists and dpkg database are never touched, and
# nothing is installed. Perl is left out (nothing the lab runs needs it). The caller moves $2.tmp
# into place once it has finished with it.
extract_from_suite() {
  local suite="$1" dest="$2"; shift 2
  if [ ! -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
    apt_update_once
    "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" install -y -qq --no-install-recommends debian-archive-keyring >&2
  fi
  local apt_dir="$CACHE/apt-$suite"
  mkdir -p "$apt_dir/empty" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/state" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
    > "$apt_dir/sources.list"
  : > "$apt_dir/status"
  local opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
              -o Dir::State="$apt_dir/state" -o Dir::State::Lists="$apt_dir/lists"
              -o Dir::Cache="$apt_dir/cache" -o Dir::State::status="$apt_dir/status"
              -o Dir::Etc::Preferences=/nonexistent -o Dir::Etc::PreferencesParts="$apt_dir/empty"
              -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  log "fetching the $suite package index (private apt configuration)"
  apt-get "${opts[@]}" update -qq >&2
  # Recursive dependency closure, pre-depends included; virtual packages (<...>) and perl left out.
  local pkgs
  mapfile -t pkgs < <(apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests \
      --no-conflicts --no-breaks --no-replaces --no-enhances "$@" \
    | grep -E '^[a-z0-9]' | sed 's/:any$//' | sort -u \
    | grep -Ev '^(perl|perl-base|perl-modules-.*|libperl.*|.*-perl)$')
  log "downloading ${#pkgs[@]} $suite packages"
  (cd "$apt_dir/debs" && apt-get "${opts[@]}" download "${pkgs[@]}" -qq >&2)
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  local deb
  for deb in "$apt_dir"/debs/*.deb; do
    dpkg -x "$deb" "$dest.tmp"
  done
  # Keep the downloaded .debs out of the cache once extracted; the tree is what is reused.
  rm -rf "$apt_dir/debs" "$apt_dir/cache/archives"/*.deb
  printf '%s\n' "${pkgs[@]}" > "$dest.tmp/.packages"
}

# ---------------------------------------------------------------- MySQL 9.7 from sid (extracted)
if [ ! -f "$MARKER" ]; then
  extract_from_suite sid "$SID" mysql-server-core mysql-client-core
  rm -rf "$SID"; mv "$SID.tmp" "$SID"
  date -u +%FT%TZ > "$MARKER"
  log "MySQL extracted into $SID"
fi

# ---------------------------------------------------------------- MariaDB 11.8 from trixie (extracted)
TRIXIE="$CACHE/mariadb-trixie"
if [ ! -f "$TRIXIE/.complete" ]; then
  # mariadb-server-core holds mariadbd and mariadb-install-db (a /bin/sh script bootstrapping with
  # mariadbd --bootstrap, so no perl); mariadb-client-core adds my_print_defaults, which install-db runs.
  extract_from_suite trixie "$TRIXIE" mariadb-server-core mariadb-client-core
  # trixie's glibc is newer than Debian 12's: its binaries run through trixie's own loader. The
  # unmodified mariadb-install-db runs with --basedir=$TRIXIE/lab, where these wrappers stand in
  # for the binaries it executes (exec keeps the PID).
  mkdir -p "$TRIXIE.tmp/lab/bin" "$TRIXIE.tmp/lab/sbin"
  ln -s ../usr/share "$TRIXIE.tmp/lab/share"
  ln -s ../usr/lib "$TRIXIE.tmp/lab/lib"
  for exe in bin/my_print_defaults bin/resolveip sbin/mariadbd; do
    printf '#!/bin/sh\nexec "%s/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "%s/usr/lib/x86_64-linux-gnu" "%s/usr/%s" "$@"\n' \
      "$TRIXIE" "$TRIXIE" "$TRIXIE" "$exe" > "$TRIXIE.tmp/lab/$exe"
    chmod 755 "$TRIXIE.tmp/lab/$exe"
  done
  rm -rf "$TRIXIE"; mv "$TRIXIE.tmp" "$TRIXIE"
  date -u +%FT%TZ > "$TRIXIE/.complete"
  log "MariaDB 11.8 extracted into $TRIXIE"
fi

# ---------------------------------------------------------------- promtool (extracted, never installed)
# Only the rule checker of Debian's prometheus package: installing it would start a Prometheus server.
PROMTOOL_DIR="$CACHE/promtool"
if [ ! -x "$PROMTOOL_DIR/usr/bin/promtool" ]; then
  apt_update_once
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get "${APT_LOCK_WAIT[@]}" download prometheus >&2)
  rm -rf "$PROMTOOL_DIR.partial" && mkdir -p "$PROMTOOL_DIR.partial"
  dpkg -x "$tmp"/prometheus_*.deb "$PROMTOOL_DIR.partial"
  rm -rf "$PROMTOOL_DIR" "$tmp" && mv "$PROMTOOL_DIR.partial" "$PROMTOOL_DIR"
  log "promtool extracted into $PROMTOOL_DIR"
fi

LOADER="$SID/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
LIBS="$SID/usr/lib/x86_64-linux-gnu"
mysql_v="$("$LOADER" --library-path "$LIBS" "$SID/usr/sbin/mysqld" --no-defaults --version 2>/dev/null \
  | sed -n 's/.*Ver \([^ ]*\).*/\1/p')"
mariadb_v="$(/usr/sbin/mariadbd --version 2>/dev/null | sed -n 's/.*Ver \([^ ]*\).*/\1/p')"
mariadb_trixie_v="$("$TRIXIE/lab/sbin/mariadbd" --no-defaults --version 2>/dev/null | sed -n 's/.*Ver \([^ ]*\).*/\1/p')"
am_v="$(/usr/bin/prometheus-alertmanager --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -1)"
[ -n "$mysql_v" ] || { log "mysqld in $SID does not run"; exit 1; }
[ -n "$mariadb_v" ] || { log "mariadbd does not run"; exit 1; }
[ -n "$mariadb_trixie_v" ] || { log "mariadbd in $TRIXIE does not run"; exit 1; }
[ -n "$am_v" ] || { log "prometheus-alertmanager does not run"; exit 1; }
promtool_v="$("$PROMTOOL_DIR/usr/bin/promtool" --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -1)"
[ -n "$promtool_v" ] || { log "promtool does not run"; exit 1; }
echo "lab ready: mysql=$mysql_v (${SID}) mariadb=$mariadb_v mariadb-trixie=$mariadb_trixie_v alertmanager=$am_v promtool=$promtool_v"
