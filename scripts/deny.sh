#!/usr/bin/env bash
# Supply chain: `cargo deny --offline check` (advisories, licenses, bans, sources)
# against the offline RustSec copy that CI has beside the clone (../shared/).
# Installs cargo-deny with `cargo install --locked` when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deny >/dev/null || cargo install --locked cargo-deny

archive="$(ls ../shared/rustsec-advisory-db-*.tar.gz 2>/dev/null | sort | tail -1 || true)"
if [ -z "$archive" ]; then
  echo "deny: no ../shared/rustsec-advisory-db-*.tar.gz: cannot check advisories offline" >&2
  exit 2
fi
# cargo-deny looks for DB_PATH/advisory-db-<hash of the default URL>, a git repository.
db="target/advisory-db/advisory-db-3157b0e258782691"
stamp="target/advisory-db/.from"
if [ ! -d "$db/.git" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$archive" ]; then
  rm -rf target/advisory-db
  mkdir -p "$db"
  tar -xzf "$archive" -C "$db"
  git -C "$db" init -q
  git -C "$db" add -A
  git -C "$db" -c user.name=netkit -c user.email=netkit@localhost commit -qm db
  echo "$archive" > "$stamp"
fi
cargo deny --offline check
