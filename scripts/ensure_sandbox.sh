#!/usr/bin/env bash
# classgrade runs every grading kernel in a sandbox built with bubblewrap (README, "The grading sandbox"). Install
# Debian's package if `bwrap` is missing; quick and silent when it is there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/install_debian_package.sh"
if ! command -v bwrap >/dev/null 2>&1; then
  install_debian_package bubblewrap "the grading sandbox" "classgrade will refuse to grade until then"
fi
