#!/usr/bin/env bash
# Create or reuse the course's virtual environment (.venv) and make the course packages importable from it.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (it reinstalls only when requirements.txt changed).
set -euo pipefail

COURSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${COURSE_VENV:-$COURSE_ROOT/.venv}"
PYTHON_FOR_VENV="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PYTHON_FOR_VENV" -m venv "$VENV"
fi

stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$COURSE_ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing pinned dependencies from requirements.txt (first run: a few minutes)"
  "$VENV/bin/python" -m pip install --quiet -r "$COURSE_ROOT/requirements.txt"
  echo "$want" > "$stamp"
fi

# The course's own packages (student_helpers, instructor_only) live at the repository root. A .pth file makes them
# importable by every process of this venv -- nbgrader, the kernels it starts, pytest -- with no activation step.
site_packages="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$COURSE_ROOT" > "$site_packages/normalization_residual_course.pth"

# nbgrader finds `alembic` on PATH; so do our tools. Activation is not needed, but exporting PATH is harmless.
export PATH="$VENV/bin:$PATH"
export COURSE_ROOT VENV
