#!/usr/bin/env bash
# The main job on the bundled example: validate and plan inventories/acme.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -q -p netkit
bin=target/release/netkit
"$bin" validate inventories/acme.yaml
"$bin" plan inventories/acme.yaml "$@"
