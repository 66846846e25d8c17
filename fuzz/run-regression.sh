#!/usr/bin/env bash
# Regression pass over the fuzz targets, for CI: replays every committed input of each
# target (fuzz/corpus/TARGET and fuzz/regressions/TARGET), then fuzzes on for the rest of
# FUZZ_SECONDS (default 30) per target. Any crash, input over the targets' CPU-time limit
# (10 s, see fuzz/src/lib.rs), hang (60 s of wall-clock time) or out-of-memory (2 GiB) fails
# the run, names the target and leaves the input in fuzz/artifacts/TARGET/.
#
# Needs only stable Rust: cargo-fuzz's nightly flags are enabled with RUSTC_BOOTSTRAP=1.
# Installs cargo-fuzz (from crates.io, --locked) if it is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${FUZZ_SECONDS:-30}
targets=(inventory patterns playbook)
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# No AddressSanitizer (`-s none`): the code under test is safe Rust, and without it every
# run is several times faster. Debug assertions (overflow checks) stay on.
cargo fuzz build -s none

for target in "${targets[@]}"; do
  # New inputs found during the run go to a scratch directory, not the committed corpus.
  scratch=$(mktemp -d)
  echo "fuzz: $target for ${seconds}s over its committed corpus and regressions"
  # Only folders that exist: git keeps no empty one (a target with no fixed bug has none).
  inputs=()
  for dir in "fuzz/corpus/$target" "fuzz/regressions/$target"; do
    [ -d "$dir" ] && inputs+=("$dir")
  done
  if ! cargo fuzz run -s none "$target" "$scratch" "${inputs[@]}" -- \
    -dict="fuzz/dict/$target.dict" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 \
    -max_len=8192 -print_final_stats=1 </dev/null; then
    rm -rf "$scratch"
    echo "fuzz: FAILED: target $target crashed, hung or ran out of memory; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  rm -rf "$scratch"
done
echo "fuzz: all targets passed"
