#!/usr/bin/env bash
# classgrade runs every grading kernel in a sandbox built with bubblewrap and libseccomp (docs/GRADING.md, "The grading
# sandbox"). Install Debian's packages if missing; quick and silent when they are there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/install_debian_package.sh"
if ! command -v bwrap >/dev/null 2>&1; then
  install_debian_package bubblewrap "the grading sandbox" "classgrade will refuse to grade until then"
fi
if ! /sbin/ldconfig -p 2>/dev/null | grep -q "libseccomp.so.2 "; then
  install_debian_package libseccomp2 "the grading sandbox's seccomp filter" "classgrade will refuse to grade until then"
fi
