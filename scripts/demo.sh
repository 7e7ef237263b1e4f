#!/usr/bin/env bash
# Set up (or reuse) the course environment, then run the instructor demo: build the releases, grade a demo class,
# write feedback and a grades CSV, and print a per-student summary. Extra arguments go to the demo (see --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure_venv.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ensure_sandbox.sh"
cd "$COURSE_ROOT"
exec "$VENV/bin/python" -m instructor_only.grading.demo "$@"
