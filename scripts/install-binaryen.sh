#!/usr/bin/env bash
# Binaryen's wasm-opt optimizes the compiled policy (src/policy/wasm-opt.ts): about 10 % more
# evaluations per second. Optional: without it the bundle is built as opa compiled it, with a
# warning. Installed from Debian's packages when this is root on a Debian machine.
set -euo pipefail
command -v wasm-opt >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: wasm-opt (Binaryen) not found; bundles are built unoptimized (apt-get install binaryen, brew install binaryen)" >&2
  exit 0
fi
echo "installing Binaryen's wasm-opt from Debian's packages (apt-get install binaryen)..."
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen >/dev/null
} || echo "note: apt-get could not install binaryen; bundles are built unoptimized" >&2
