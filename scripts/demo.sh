#!/usr/bin/env bash
# The demo: brings up the local SSH lab, builds herd, and runs batch_run, batch_scp and a playbook
# (herd play, after its --plan) against it.
#   scripts/demo.sh     (as root on a fresh Debian machine: installs what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "demo: checking the machine's packages (scripts/setup-machine.sh)"
scripts/setup-machine.sh
echo "demo: bringing up the SSH lab (lab/lab.sh up)"
lab/lab.sh up
echo "demo: building herd (cargo build --release: from cold about 3-6 minutes, as libssh2 and a vendored OpenSSL are compiled; seconds when already built)"
started=$SECONDS
cargo build --release --locked --quiet
echo "demo: built in $((SECONDS - started)) s: target/release/{herd,batch_run,batch_scp}"
bin=target/release
lab=(-i lab/inventory.ini --known-hosts lab/state/known_hosts --host-key-checking strict)
# Prints a command the way you would type it (single-quoted where needed), then runs it.
quote() {
  case $1 in
    '' | *[!A-Za-z0-9_./:,=@%+-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}
show() {
  printf '\n$'
  local arg; for arg in "$@"; do printf ' '; quote "$arg"; done
  printf '\n'
  "$@" || true
}

show "$bin/batch_run" "${lab[@]}" -h h1,h2 -g db_servers -cmd 'echo "I am $(whoami) on port ${SSH_CONNECTION##* }"'
show "$bin/batch_run" "${lab[@]}" -g all -cmd 'for i in 1 2 3; do echo "tick $i"; sleep 1; done'
demo_dir=$(mktemp -d)
printf 'print("hello from herd")\n' >"$demo_dir/test.py"
show "$bin/batch_scp" "${lab[@]}" -g web_clusters,db_servers -action put -local "$demo_dir/test.py" -remote /tmp/
show "$bin/batch_run" "${lab[@]}" -g all -cmd 'python3 /tmp/test.py 2>/dev/null || cat /tmp/test.py'
show "$bin/batch_scp" "${lab[@]}" -g all -action get -remote /tmp/test.py -local "$demo_dir/fetched"
show find "$demo_dir/fetched" -type f
show "$bin/batch_run" "${lab[@]}" -g all --gather -cmd 'uname -s; test "$(whoami)" != herd_bob'
rm -rf "$demo_dir"
show "$bin/herd" play "${lab[@]}" playbooks/site.yml --plan
show "$bin/herd" play "${lab[@]}" playbooks/site.yml
