#!/usr/bin/env bash
# tests/test_sandbox_cgroup_v2.py grades a hostile class on a cgroup v2 kernel (this kind of machine boots cgroup v1):
# QEMU boots Debian's kernel with this machine's own root filesystem (virtme-ng, from requirements.txt). Install the
# Debian packages if missing; quick and silent when they are there.
set -euo pipefail
if command -v qemu-system-x86_64 >/dev/null 2>&1 && compgen -G "/boot/vmlinuz-*" >/dev/null && command -v busybox >/dev/null 2>&1; then
  return 0 2>/dev/null || exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "[setup] the cgroup v2 VM test needs qemu-system-x86, linux-image-amd64 and busybox-static (apt-get, as root): it will be skipped"
  return 0 2>/dev/null || exit 0
fi
echo "[setup] installing QEMU, Debian's kernel and busybox for the cgroup v2 VM test (about a minute)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 linux-image-amd64 \
  busybox-static >/dev/null
