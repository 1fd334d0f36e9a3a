#!/usr/bin/env bash
# Build the fuzz targets with libFuzzer's coverage instrumentation on stable Rust
# (plain rustc flags, no nightly), then run each one for SECONDS on its committed
# corpus. Usage: fuzz/run.sh [SECONDS] [TARGET...] (default 10 s, every target in
# src/bin/). A crash is written to fuzz/artifacts/TARGET/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"
shift || true
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in src/bin/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

# What cargo-fuzz passes to rustc, without -Z flags: SanitizerCoverage feeding
# libFuzzer (8-bit counters, PC table, comparison tracing) and cfg(fuzzing).
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros (they
# would not link without libFuzzer's runtime).
triple="$(rustc -vV | sed -n 's/^host: //p')"
cargo build -q --bins --target "$triple"
bin="$CARGO_TARGET_DIR/$triple/debug"

status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== fuzz $t for ${secs}s"
  # New inputs go to a scratch folder, so that a smoke run never dirties the
  # committed corpus (merge them by hand with -merge=1 when they are worth keeping).
  scratch="$(mktemp -d)"
  if ! "$bin/$t" "$scratch" "corpus/$t" \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="artifacts/$t/" -print_final_stats=0 2> "artifacts/$t/last.log"; then
    echo "fuzz $t: crash, see fuzz/artifacts/$t/ and the log:" >&2
    tail -40 "artifacts/$t/last.log" >&2
    status=1
  fi
  rm -rf "$scratch"
done
exit "$status"
