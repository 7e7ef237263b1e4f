#!/usr/bin/env bash
# Set up (or reuse) the course environment (PostgreSQL for the gradebook tests, bubblewrap for the grading sandbox,
# chromium and the hub's system packages for the browser test, QEMU for the cgroup v2 VM test), then run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure_venv.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ensure_postgres.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ensure_sandbox.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ensure_browser.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ensure_vm.sh"
cd "$COURSE_ROOT"
exec "$VENV/bin/python" -m pytest "$@"
