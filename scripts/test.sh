#!/usr/bin/env bash
# The whole test suite: set up, check formatting and lints, build once, run every test.
# Lab tests build real network namespaces: they need root (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -q -- -D warnings
echo "== cargo build"
cargo build --workspace --all-targets -q
echo "== cargo deny (advisories offline, licenses, bans, sources)"
scripts/deny.sh
echo "== fuzz smoke (a few seconds per target, stable Rust + libFuzzer)"
fuzz/run.sh "${FUZZ_SECONDS:-5}"
echo "== cargo test"
cargo test --workspace --no-fail-fast -- "$@"
