#!/usr/bin/env bash
# Debian packages the tests drive besides Node and OPA: chromium (browser tests, through
# playwright-core — never a downloaded browser), jq (the CD recipes render requests
# with it) and binaryen (wasm-opt: the differential test runs the optimized policy that
# `make bundle` ships). Installs whatever is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v wasm-opt >/dev/null 2>&1 || missing+=(binaryen)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "error: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${missing[*]}..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
