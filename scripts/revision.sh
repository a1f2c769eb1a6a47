#!/usr/bin/env bash
# The bundle revision: `git describe` inside a git checkout, otherwise a hash of the policy
# sources, so the same sources always give the same revision.
set -euo pipefail
cd "$(dirname "$0")/.."
if git rev-parse --git-dir >/dev/null 2>&1 && git rev-parse HEAD >/dev/null 2>&1; then
  git describe --tags --always --dirty
else
  find rego -type f ! -name '*_test.rego' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
fi
