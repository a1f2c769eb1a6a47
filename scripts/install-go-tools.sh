#!/usr/bin/env bash
# Installs the Go tools the tests drive into .tools/bin, each at its pinned version, with
# `go install` (the Go module proxy; nothing else is downloaded). A binary already there
# is kept when `go version -m` says it was built from the pinned module version, so the
# second run costs nothing; Go's build cache makes a rebuild after `make clean` quick.
#
#   scripts/install-go-tools.sh            # every tool below
#   scripts/install-go-tools.sh crane      # one of them
#
# crane: a real OCI registry for the tests (`crane registry serve`) and image pushes.
# cosign: real image signatures and attestations (key-based, --tlog-upload=false, offline).
set -euo pipefail
dest="$(cd "$(dirname "$0")/.." && pwd)/.tools/bin"
mkdir -p "$dest"

declare -A MODULE=(
  [crane]="github.com/google/go-containerregistry/cmd/crane@v0.22.1"
  [cosign]="github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5"
)

# "path@version" -> the module version `go version -m` reports for a binary built from it.
built_from() { go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'; }

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(crane cosign)
for tool in "${tools[@]}"; do
  spec="${MODULE[$tool]:-}"
  [ -n "$spec" ] || { echo "error: unknown tool '$tool' (known: ${!MODULE[*]})" >&2; exit 2; }
  version="${spec##*@}"
  if [ -x "$dest/$tool" ] && [ "$(built_from "$dest/$tool")" = "$version" ]; then continue; fi
  command -v go >/dev/null 2>&1 || { echo "error: Go is needed to install $tool ($spec)" >&2; exit 1; }
  echo "installing $tool $version with go install into $dest (cosign takes about ten minutes the first time)..."
  GOBIN="$dest" CGO_ENABLED=0 go install "$spec"
  [ "$(built_from "$dest/$tool")" = "$version" ] || { echo "error: $dest/$tool does not report $version" >&2; exit 1; }
done
