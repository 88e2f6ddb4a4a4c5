# ws-echo: every set-up step a fresh machine needs (Node 20 and npm are enough).
.PHONY: install build run test typecheck binary bench soak pack clean

STAMP := node_modules/.installed

install: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: install
	npx tsc -p tsconfig.build.json

run: build
	node bin/ws-echo

typecheck: install
	npx tsc -p tsconfig.json

test: build typecheck
	npx jest

# Load checks against loopback only; not part of `make test`.
bench: build
	node test/bench/run.js

soak: build
	node test/soak/run.js

clean:
	rm -rf dist coverage node_modules
