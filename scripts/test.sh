#!/usr/bin/env bash
# Runs every check and test of herd against the local sshd lab. Fails loudly.
#   scripts/test.sh            (as root on a fresh Debian machine: installs what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-machine.sh
lab/lab.sh up
scripts/oracles.sh   # ansible-core in a venv: the oracle of the inventory and vault tests
echo "== cargo fmt --check"; cargo fmt --check
echo "== cargo clippy";      cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test";        cargo test --locked --all-targets
echo "== doc tests";         cargo test --locked --doc
echo "== fuzz regression";   fuzz/run-regression.sh
echo "test.sh: all checks passed"
