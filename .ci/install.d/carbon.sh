#!/usr/bin/env bash
# Real Graphite carbon-cache for test/servers/graphite*.test.ts (Debian graphite-carbon
# + python3-whisper; the tests run it as a plain child process on loopback, never as a
# service). Idempotent: does nothing when both are already installed.
set -euo pipefail
PY=/usr/bin/python3
if [ -x /usr/bin/carbon-cache ] && [ -x "$PY" ] && "$PY" -c 'import whisper, twisted, carbon' 2>/dev/null; then
  echo "carbon: already installed"
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Installing the package must not leave a system carbon-cache running on the default ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q graphite-carbon python3-whisper
"$PY" -c 'import whisper, twisted, carbon' && /usr/bin/carbon-cache --help >/dev/null
echo "carbon: installed $(dpkg-query -W -f='${Version}' graphite-carbon)"
