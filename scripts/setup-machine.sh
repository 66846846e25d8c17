#!/usr/bin/env bash
# Installs what herd's build, lab and tests need on a Debian machine (idempotent, as root).
set -euo pipefail
need=()
# iproute2 (ip) and util-linux (unshare, nsenter): the lab's private /tmp, its network namespace
# (the hosts behind the bastion) and the vanishing-host test. python3-venv: the lab's AsyncSSH
# (ML-KEM) server runs from a venv that lab/lab.sh makes with pip from PyPI. man-db: `man -l`
# renders the generated man pages in tests/cli.rs. zsh ... busybox: the login shells whose reading
# of herd's session announcement src/ssh/session_id.rs tests.
for pkg in openssh-server openssh-client pkg-config libssl-dev sshpass sudo iproute2 util-linux python3-venv man-db \
  zsh ksh mksh yash posh fish tcsh csh busybox; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
command -v python3 >/dev/null || need+=(python3)   # the fault lab (lab/faults.py)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup: missing ${need[*]}: run as root or install them" >&2; exit 1; fi
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust (rustup) first" >&2; exit 1; }
