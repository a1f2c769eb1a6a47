# dfw — the deployment firewall. `make help` lists the targets.
OPA_VERSION   ?= v1.22.3
OPA           := .tools/bin/opa
BUNDLE        := bundles/firewall.tar.gz
REGO_BUNDLE   := bundles/firewall-rego.tar.gz
ENTRYPOINT    := firewall/decision
REVISION      ?= $(shell scripts/revision.sh)
SIGNING_KEY   ?=
SIGNING_ALG   ?= RS256
FREEZE_WINDOWS := rego/firewall/config/freeze_windows/data.json
FREEZE_SOURCES := rego/firewall/config/freezes.yaml $(wildcard rego/firewall/config/*.ics)
REGO_SOURCES  := $(sort $(shell find rego -type f ! -name '*_test.rego' 2>/dev/null) $(FREEZE_WINDOWS))
TS_SOURCES    := $(shell find src -name '*.ts' -o -name '*.tsx' 2>/dev/null)
SIGN_FLAGS    := $(if $(SIGNING_KEY),--signing-key $(SIGNING_KEY) --signing-alg $(SIGNING_ALG),)
FUZZ_RUNS     ?= 10000

.PHONY: help run serve test services bundle build tools test-tools deps capabilities catalog bench soak fuzz pack clean FORCE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: deps tools bundle build ## install what is missing, then serve on the embedded defaults (127.0.0.1:8787)
	node bin/dfw.js serve

test: deps tools test-tools bundle build services ## the whole suite: opa fmt/check/test+coverage, type check, uvu; ends with "N passed, N failed"
	DFW_TEST_POSTGRES_URL="$$(scripts/postgres.sh url)" node scripts/run-tests.mjs

services: ## what the tests need beside Node and OPA: Debian's chromium and jq, a PostgreSQL on 127.0.0.1:55432
	scripts/ensure-packages.sh
	scripts/postgres.sh start >/dev/null

tools: $(OPA) ## install the pinned OPA into .tools/bin (go install) unless it is on PATH, and Binaryen's wasm-opt (Debian) when it can
	@scripts/install-binaryen.sh

$(OPA):
	scripts/install-opa.sh $(OPA_VERSION)

test-tools: ## install crane (a real OCI registry) and cosign into .tools/bin (go install, pinned)
	scripts/install-go-tools.sh

deps: node_modules/.package-lock.json ## npm ci, when package-lock.json changed

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: dist/.built ## compile TypeScript to dist/

dist/.built: $(TS_SOURCES) tsconfig.json node_modules/.package-lock.json
	npx tsc -p tsconfig.json
	@touch $@

bundle: $(BUNDLE) $(REGO_BUNDLE) ## build bundles/firewall.tar.gz (Wasm) and firewall-rego.tar.gz when a .rego or data file changed; SIGNING_KEY=key.pem signs them

# The flags a bundle was built with, rewritten only when they change, so a new SIGNING_KEY
# rebuilds the bundles and an unchanged tree does not (make test after editing README.md).
# wasm-opt's version is read when the recipe runs (after `tools` may have installed it), so
# a bundle built before Binaryen was there is rebuilt once it is.
BUILD_FLAGS := $(SIGN_FLAGS) $(ENTRYPOINT) $(OPA_VERSION) DFW_WASM_OPT=$(DFW_WASM_OPT)
bundles/.build-flags: FORCE
	@mkdir -p bundles
	@flags='$(BUILD_FLAGS)'" $$($${DFW_WASM_OPT:-wasm-opt} --version 2>/dev/null || echo no-wasm-opt)"; \
	  echo "$$flags" | cmp -s - $@ || echo "$$flags" > $@

# Deploy freezes (docs/freeze.md): recurrences and .ics imports expanded into UTC windows
# that the bundle carries, when a calendar source changes (same as `dfw freeze expand`).
# No node_modules prerequisite: `make bundle` must never run `npm ci` in a shared tree.
$(FREEZE_WINDOWS): $(FREEZE_SOURCES)
	node --import tsx scripts/freeze-windows.ts
	@touch $@

# opa compiles the Wasm bundle unsigned; scripts/optimize-bundle.ts runs its policy through
# Binaryen's wasm-opt (when installed) and signs the result with `opa sign` (src/policy/wasm-opt.ts).
# That step runs with tsx, so node_modules must be there (make run and make test see to it).
OPTIMIZE_SOURCES := scripts/optimize-bundle.ts src/policy/wasm-opt.ts src/policy/optimized-bundle.ts src/policy/errors.ts src/policy/opa-binary.ts \
  src/engine/bundle/archive.ts src/shared/gzip.ts
$(BUNDLE): $(REGO_SOURCES) $(OPTIMIZE_SOURCES) wasm/capabilities.json bundles/.build-flags | $(OPA)
	$(OPA) build -t wasm -e $(ENTRYPOINT) --capabilities wasm/capabilities.json \
	  --ignore '*_test.rego' --revision '$(REVISION)' -o $(BUNDLE).plain --bundle rego
	node --import tsx scripts/optimize-bundle.ts --opa $(OPA) $(SIGN_FLAGS) $(BUNDLE).plain $(BUNDLE) \
	  || { rm -f $(BUNDLE).plain; exit 1; }
	@rm -f $(BUNDLE).plain
	@echo "built $(BUNDLE) at revision $(REVISION)$(if $(SIGNING_KEY), signed with $(SIGNING_KEY),)"

$(REGO_BUNDLE): $(REGO_SOURCES) bundles/.build-flags | $(OPA)
	$(OPA) build --ignore '*_test.rego' --revision '$(REVISION)' $(SIGN_FLAGS) -o $(REGO_BUNDLE) --bundle rego
	@echo "built $(REGO_BUNDLE) at revision $(REVISION)"

capabilities: $(OPA) deps ## regenerate wasm/capabilities.json from `opa capabilities` and the host builtins
	node --import tsx scripts/gen-capabilities.ts $(OPA) $(OPA_VERSION)

catalog: $(OPA) deps ## rewrite the rule catalog table in README.md from the rules' annotations
	node --import tsx scripts/rule-catalog.ts --write

kev: deps ## refresh the CISA Known Exploited Vulnerabilities catalog in rego/firewall/kev/data.json (DFW-VULN-003), then make bundle
	node --import tsx scripts/refresh-kev.ts

bench: deps tools bundle build ## benchmarks (not part of the tests); figures go to docs/performance.md
	node --expose-gc --import tsx bench/run.ts

soak: deps tools build ## steady load for SOAK_MINUTES (default 60) with bundle swaps and evidence pushes; RSS, handles, latency every minute (not in CI)
	node --import tsx bench/soak.ts

fuzz: deps tools bundle build ## property-based fuzzing of every input surface: FUZZ_RUNS (default 10000) cases each, fixed seeds; prints the cases per surface (not in CI)
	@for f in test/fuzz-*.test.ts; do DFW_FUZZ_RUNS=$(FUZZ_RUNS) node --import tsx $$f || exit 1; done

pack: build bundle ## dfw-<version>.tgz: the built pack, its bundles and every dependency inside (npm install -g ./dfw-<version>.tgz, offline)
	npm pack --ignore-scripts

clean: ## remove build output (not the installed tools)
	rm -rf dist bundles
