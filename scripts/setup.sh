#!/usr/bin/env bash
# Install what netkit needs on a fresh Debian machine: the system tools the lab,
# verify and report stages drive (iproute2, nftables, FRR, net-snmp, dnsmasq,
# iperf3, fping, Graphviz, Chromium, poppler-utils to check the PDF), then build the workspace once.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  iproute2 nftables iputils-ping procps
  frr snmpd snmp dnsmasq-base dnsutils
  iperf3 fping
  graphviz chromium poppler-utils fonts-dejavu-core
  jq ca-certificates
  man-db
  systemd ansible-core ansible-lint
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian starts these daemons at install; netkit starts its own per namespace.
for svc in frr snmpd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" 2>/dev/null || true
  fi
done

# The man page, generated from the CLI definitions (`netkit man`) and shipped in docs/.
man_dir=/usr/local/share/man/man1
if [ -f docs/netkit.1 ] && ! cmp -s docs/netkit.1 "$man_dir/netkit.1" 2>/dev/null; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" install -D -m 0644 docs/netkit.1 "$man_dir/netkit.1"
fi

# A real UCI parser for the tests of the OpenWrt files (`netkit config --target openwrt`).
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import uciparse' 2>/dev/null; then
  python3 -m pip install --quiet --break-system-packages uciparse 2>/dev/null \
    || python3 -m pip install --quiet uciparse
fi

command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust stable (https://rustup.rs)" >&2; exit 2; }

# Supply-chain checks (scripts/deny.sh) need cargo-deny; the fuzz smoke run needs
# only a C++ compiler for libFuzzer (g++, part of build-essential).
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
command -v g++ >/dev/null || {
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends g++ >/dev/null
}

# Every crate of Cargo.lock, for all platforms: the architecture test reads the whole
# dependency graph with `cargo metadata --offline`, which a build alone does not fetch.
cargo fetch --locked -q
