#!/usr/bin/env bash
# herd's benchmark against pssh, pdsh, clush and Ansible: see bench/README.md.
#
#   bench/run.sh [--quick] [--n 50,200,1000] [--reps K] [--scenarios 1,2,3,4]
#   bench/run.sh --teardown        stop the sshd processes an interrupted run left
#
# Installs what it needs (Debian: openssh-server, pdsh, pssh, clustershell, python3-venv, time;
# PyPI, in bench/work/venv: ansible-core, matplotlib), builds herd unless HERD_BIN names a
# binary, then runs the harness (bench/herdbench). Root only: it creates the user herd_bench
# and starts sshd processes on 127.0.x.y addresses. They are stopped on exit, error or Ctrl-C.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
VENV="$BENCH/work/venv"
APT_PACKAGES=(openssh-server openssh-client pdsh pssh clustershell python3-venv time)
PIP_PACKAGES=(ansible-core matplotlib)

die() { echo "bench: $*" >&2; exit 1; }

install_debian_packages() {
  local missing=() package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return
  echo "bench: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_venv() {
  [ -x "$VENV/bin/ansible" ] && "$VENV/bin/python" -c "import matplotlib" 2>/dev/null && return
  echo "bench: creating $VENV with ${PIP_PACKAGES[*]}" >&2
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
}

build_herd() {
  if [ -n "${HERD_BIN:-}" ]; then
    [ -x "$HERD_BIN" ] || die "HERD_BIN=$HERD_BIN is not an executable"
    return
  fi
  echo "bench: building herd (cargo build --release)" >&2
  (cd "$REPO" && cargo build --release --quiet --bin herd)
  export HERD_BIN="$REPO/target/release/herd"
}

# At nice -10 (the tools and the sshd farm inherit it), so other work on a shared machine disturbs
# the measurements less; RESULTS.md's "other load %" shows what disturbance remained.
harness() { (cd "$BENCH" && nice -n -10 "$VENV/bin/python" -m herdbench "$@"); }
teardown() { (cd "$BENCH" && /usr/bin/python3 -m herdbench --teardown); }  # stdlib only

[ "$(id -u)" -eq 0 ] || die "run as root: it creates a user, starts sshd and installs packages"
if [ "${1:-}" = "--teardown" ]; then teardown; exit; fi
install_debian_packages
install_venv
build_herd
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
harness "$@"
