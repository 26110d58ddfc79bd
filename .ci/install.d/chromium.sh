#!/usr/bin/env bash
# Debian's Chromium, for test/servers/dashboard-browser.test.ts: playwright-core drives
# /usr/bin/chromium and never downloads a browser of its own. Idempotent: does nothing
# when Chromium is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  echo "chromium: already installed: $(/usr/bin/chromium --version 2>/dev/null)"
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# --no-install-recommends keeps out what a headless test does not need (chromium-sandbox
# stays out too: the tests run Chromium with --no-sandbox, as root in CI containers).
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
echo "chromium: installed $(dpkg-query -W -f='${Version}' chromium)"
