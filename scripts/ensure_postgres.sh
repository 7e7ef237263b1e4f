#!/usr/bin/env bash
# The gradebook tests start a real PostgreSQL server (tests/postgres_server.py). Install Debian's server package if
# it is missing; quick and silent when it is there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/install_debian_package.sh"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  install_debian_package postgresql "the gradebook tests" "the PostgreSQL test will fail"
fi
