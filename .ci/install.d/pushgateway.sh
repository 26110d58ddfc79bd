#!/usr/bin/env bash
# The real Prometheus Pushgateway (Debian prometheus-pushgateway), for
# test/servers/pushgateway.test.ts. Idempotent. The tests start their own gateway on
# 127.0.0.1, in memory (see test/helpers/pushgateway-server.ts); the Debian service is
# never needed, and this script never leaves it running.
set -euo pipefail
BIN=/usr/bin/prometheus-pushgateway
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

stop_service() {
  # The package enables a system service where systemd runs; tests never use it, and it
  # would hold port 9091 on all interfaces.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop prometheus-pushgateway >/dev/null 2>&1 || true
    $SUDO systemctl disable prometheus-pushgateway >/dev/null 2>&1 || true
  fi
}

if [ -x "$BIN" ]; then
  stop_service
  echo "pushgateway: already installed: $("$BIN" --version 2>&1 | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Installing the package must not start a system Pushgateway (policy-rc.d forbids it).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends prometheus-pushgateway >/dev/null
stop_service
"$BIN" --version >/dev/null 2>&1
echo "pushgateway: installed $("$BIN" --version 2>&1 | head -1)"
