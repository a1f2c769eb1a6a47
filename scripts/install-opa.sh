#!/usr/bin/env bash
# Makes .tools/bin/opa the pinned OPA: the one on PATH when it is that version, otherwise
# built with `go install` (no cgo needed: `opa build -t wasm` does not need the Wasm runtime).
set -euo pipefail
version="${1:?usage: install-opa.sh vX.Y.Z}"
dest="$(cd "$(dirname "$0")/.." && pwd)/.tools/bin"
mkdir -p "$dest"

# The whole output is read before matching: piping into `grep -q` lets grep exit on the first
# line, opa dies of SIGPIPE writing the next, and pipefail turns that race into a failure.
reported_version() { "$1" version 2>/dev/null | sed -n 's/^Version: v\{0,1\}//p'; }
is_pinned() { [ -x "$1" ] && [ "$(reported_version "$1")" = "${version#v}" ]; }

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
is_pinned "$dest/opa" || {
  echo "error: installed opa reports version '$(reported_version "$dest/opa")', expected ${version#v}" >&2
  exit 1
}
