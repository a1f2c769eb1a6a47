#!/usr/bin/env bash
# Makes .tools/bin/opa the pinned OPA: the one on PATH when it is that version, otherwise
# built with `go install` (no cgo needed: `opa build -t wasm` does not need the Wasm runtime).
set -euo pipefail
version="${1:?usage: install-opa.sh vX.Y.Z}"
dest="$(cd "$(dirname "$0")/.." && pwd)/.tools/bin"
mkdir -p "$dest"

is_pinned() { [ -x "$1" ] && "$1" version 2>/dev/null | grep -qx "Version: ${version#v}"; }

if is_pinned "$dest/opa"; then exit 0; fi
if command -v opa >/dev/null 2>&1 && is_pinned "$(command -v opa)"; then
  ln -sf "$(command -v opa)" "$dest/opa"
  echo "using opa ${version} from PATH: $(command -v opa)"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: OPA ${version} is not on PATH and Go is not installed." >&2
  echo "       Install Go >= 1.24, or put opa ${version} on PATH, then run make again." >&2
  exit 1
fi
echo "installing OPA ${version} with go install into ${dest} (takes a minute or two the first time)..."
GOBIN="$dest" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@${version}"
is_pinned "$dest/opa" || { echo "error: installed opa does not report version ${version}" >&2; exit 1; }
