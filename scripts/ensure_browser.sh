#!/usr/bin/env bash
# The course hub's browser test (tests/test_hub_browser.py) drives Debian's chromium with Playwright (no browser
# download); the hub itself needs sudo (the instructor's course-grade), acl (students kept out of the repository)
# and npm (the hub's proxy). Install what is missing; quick and silent when all is there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/install_debian_package.sh"
for need in "chromium:chromium:the course hub's browser test" "sudo:sudo:the hub's course-grade command" \
            "setfacl:acl:the hub's student accounts" "npm:npm:the hub's proxy"; do
  IFS=: read -r command package purpose <<< "$need"
  command -v "$command" >/dev/null 2>&1 || install_debian_package "$package" "$purpose" "the hub test will be skipped or fail"
done
