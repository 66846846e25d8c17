#!/usr/bin/env bash
# Installs the oracles herd's differential tests compare against: ansible-core (ansible-inventory,
# ansible, ansible-vault) from PyPI into target/oracles/venv, versions pinned in
# tests/oracles/requirements.txt. Idempotent: does nothing when that venv already has them.
# Tests find it there (or at $HERD_ORACLE_VENV) and fail, naming this script, when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
req=tests/oracles/requirements.txt
venv="${HERD_ORACLE_VENV:-$PWD/target/oracles/venv}"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -x "$venv/bin/ansible-inventory" ] && [ "$(cat "$venv/.herd-requirements" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
echo "oracles: installing $(grep -m1 '^ansible-core==' "$req") into $venv"
python3 -m venv "$venv" || { echo "oracles: cannot create a venv (python3-venv: run scripts/setup-machine.sh)" >&2; exit 1; }
"$venv/bin/pip" install --disable-pip-version-check --no-input --quiet -r "$req" ||
  { echo "oracles: pip could not install $req" >&2; exit 1; }
echo "$want" >"$venv/.herd-requirements"
