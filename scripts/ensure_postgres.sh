#!/usr/bin/env bash
# The gradebook tests start a real PostgreSQL server (tests/postgres_server.py). Install Debian's server package if
# it is missing; quick and silent when it is there. Without root or sudo, say how and let the tests report it.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  return 0 2>/dev/null || exit 0
fi
echo "[setup] installing PostgreSQL (Debian package postgresql) for the gradebook tests"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "[setup] cannot install PostgreSQL without root: run 'sudo apt-get install postgresql'; the PostgreSQL test will fail"
  return 0 2>/dev/null || exit 0
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
