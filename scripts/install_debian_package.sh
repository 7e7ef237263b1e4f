#!/usr/bin/env bash
# install_debian_package PACKAGE PURPOSE CONSEQUENCE: apt-get install PACKAGE as root (or with passwordless sudo);
# otherwise say how, and what will not work without it. Sourced by the ensure_*.sh scripts.
install_debian_package() {
  local package="$1" purpose="$2" consequence="$3" sudo=""
  echo "[setup] installing Debian package $package for $purpose"
  if [ "$(id -u)" != 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "[setup] cannot install $package without root: run 'sudo apt-get install $package'; $consequence"
      return 0
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null
}
