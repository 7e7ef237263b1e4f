#!/usr/bin/env bash
# Start the course hub on this machine: JupyterHub on http://127.0.0.1:8000 with one account per person of the
# roster (docs/INSTRUCTORS.md, "The course hub"). Run as root; safe to run again (it adds new people and keeps
# everyone's files).
#   bash deploy/start.sh [--roster ROSTER.csv] [--port 8000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
roster="$here/roster.example.csv"; port=8000
while [ $# -gt 0 ]; do
  case "$1" in
    --roster) roster="$(realpath "$2")"; shift 2;;
    --port) port="$2"; shift 2;;
    *) echo "usage: bash deploy/start.sh [--roster ROSTER.csv] [--port PORT]" >&2; exit 2;;
  esac
done
source "$here/../scripts/ensure_venv.sh"
source "$here/../scripts/install_debian_package.sh"
command -v sudo >/dev/null || install_debian_package sudo "the instructor's course-grade command" "course-grade cannot be run"
command -v setfacl >/dev/null || install_debian_package acl "keeping students out of the repository" "the hub will not start"
command -v npm >/dev/null || install_debian_package npm "the hub's proxy" "the hub cannot start"
"$VENV/bin/python" "$here/provision.py" --roster "$roster"
echo "[hub] starting JupyterHub on http://127.0.0.1:$port (Ctrl-C stops it; everyone's files stay)"
cd /opt/normres-hub/hub
COURSE_HUB_PORT="$port" exec "$VENV/bin/jupyterhub" -f "$here/jupyterhub_config.py"
