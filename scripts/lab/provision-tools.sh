#!/usr/bin/env bash
# Installs the extra tools a few tests need beyond the database lab (scripts/lab/provision.sh):
#   browser    - Debian's chromium + chromium-driver, for the console's headless browser test
#   compose    - Debian's docker-compose, which parses docker-compose.yml offline (`config`)
#   prometheus - the prometheus server binary, extracted from Debian's package next to promtool
#                (never installed: the package would start a server as a system service)
# Usage: provision-tools.sh browser|compose|prometheus ...   Idempotent; prints what it found.
set -euo pipefail

CACHE="${REPL_SENTINEL_LAB_DIR:-$HOME/.cache/repl-sentinel/lab}"
APT_LOCK_WAIT=(-o DPkg::Lock::Timeout=600)
log() { printf '[lab-tools] %s\n' "$*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    log "not root and no sudo: cannot install system packages"; fi
fi

apt_install() {
  local rc=0
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" install -y -qq \
    --no-install-recommends "$@" >&2 || rc=$?
  if [ "$rc" -ne 0 ]; then
    # Stale package lists on a clean machine: refresh once and retry.
    "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get "${APT_LOCK_WAIT[@]}" install -y -qq \
      --no-install-recommends "$@" >&2
  fi
}

for tool in "$@"; do
  case "$tool" in
    browser)
      if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        log "installing chromium chromium-driver"
        apt_install chromium chromium-driver
      fi
      echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -1); $(/usr/bin/chromedriver --version | head -1)"
      ;;
    compose)
      if ! command -v docker-compose >/dev/null 2>&1; then
        log "installing docker-compose"
        apt_install docker-compose
      fi
      echo "compose: $(docker-compose version --short 2>/dev/null || docker-compose --version)"
      ;;
    prometheus)
      # provision.sh extracts Debian's whole prometheus package for promtool; the server binary
      # comes with it. Extract again only when it is missing.
      dir="$CACHE/promtool"
      if [ ! -x "$dir/usr/bin/prometheus" ]; then
        tmp="$(mktemp -d)"
        (cd "$tmp" && apt-get "${APT_LOCK_WAIT[@]}" download prometheus >&2)
        rm -rf "$dir.partial" && mkdir -p "$dir.partial"
        dpkg -x "$tmp"/prometheus_*.deb "$dir.partial"
        rm -rf "$dir" "$tmp" && mv "$dir.partial" "$dir"
      fi
      echo "prometheus: $("$dir/usr/bin/prometheus" --version 2>&1 | head -1)"
      ;;
    *)
      log "unknown tool $tool (browser, compose, prometheus)"; exit 2 ;;
  esac
done
