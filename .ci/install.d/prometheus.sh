#!/usr/bin/env bash
# The real Prometheus server and promtool, for test/servers/prometheus*.test.ts.
# Idempotent; run as root by .ci/run. The tests start their own server on 127.0.0.1
# (see test/helpers/prometheus-server.ts); the Debian service itself is not needed.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus already installed: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Installing the package must not start a system Prometheus (no service is needed).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
# --no-install-recommends keeps the exporters and the web console libraries out.
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package starts a system service where systemd runs; tests never use it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
  systemctl disable prometheus >/dev/null 2>&1 || true
fi
echo "installed: $(prometheus --version 2>&1 | head -1)"
