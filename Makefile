# sessiongate — build and test entry points. `.ci/run` runs exactly `make test`.
#
#   make test           install missing test deps, lint, Go tests with -race, fuzz briefly, browser and deploy checks
#   make fuzz           every Go fuzz target for FUZZTIME each (default 60s; make test runs 3s each)
#   make bench          benchmarks, COUNT runs each (default 6), into bench.txt
#   make lint           gofmt, go vet, staticcheck
#   make render         render deploy/api.yaml and examples/*/api.yaml into their folders
#   make build-lambdas  deploy/build.sh (authorizer.zip carries deploy/rules.json)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

GO          ?= go
FUZZTIME    ?= 60s
COUNT       ?= 6
TESTTIMEOUT ?= 40m
GOBIN_DIR   := $(shell $(GO) env GOPATH)/bin
STATICCHECK ?= $(GOBIN_DIR)/staticcheck
STATICCHECK_VERSION ?= v0.8.2

section = @printf '\n==== %s ====\n' $(1)

.PHONY: test deps go-test fuzz-short browser-test deploy-validate fuzz bench lint render build-lambdas

test: deps lint go-test fuzz-short browser-test deploy-validate
	$(call section,"make test: all steps passed")

deps:
	$(call section,"installing missing test dependencies")
	scripts/install-test-deps.sh

go-test: deps
	$(call section,"go test -race ./...")
	$(GO) test -race -count=1 -timeout $(TESTTIMEOUT) ./...

browser-test: deps
	$(call section,"browser tests (frontend-example)")
	@if [ -d frontend-example/tests ] && compgen -G 'frontend-example/tests/*.test.mjs' >/dev/null; then \
		cd frontend-example && node --test tests/; \
	else \
		echo "no frontend-example/tests/*.test.mjs yet; skipped"; \
	fi

# The repository's own API definitions, rendered by the same command a team
# runs on its own: each api.yaml is rendered into its folder.
API_SOURCES = $(wildcard deploy/api.yaml examples/*/api.yaml)

# render --check fails when a folder differs from what its api.yaml renders
# to; then every rendered document must pass the OpenAPI validator.
deploy-validate: deps
	$(call section,"deploy validation: render --check")
	@for api in $(API_SOURCES); do \
		$(GO) run ./cmd/sessiongate render --api "$$api" --out "$$(dirname "$$api")" --check; \
	done
	$(call section,"deploy validation: OpenAPI documents")
	node deploy/tools/validate-openapi.mjs

render:
	$(call section,"rendering $(API_SOURCES)")
	@for api in $(API_SOURCES); do \
		$(GO) run ./cmd/sessiongate render --api "$$api" --out "$$(dirname "$$api")"; \
	done

# Every fuzz target briefly, so a regression on untrusted input fails make
# test; `make fuzz` runs them for longer.
fuzz-short: deps
	$(call section,"fuzz targets for 3s each")
	FUZZTIME=3s scripts/fuzz.sh

fuzz:
	$(call section,"fuzzing every target for $(FUZZTIME)")
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

bench:
	$(call section,"benchmarks (count=$(COUNT)) -> bench.txt")
	$(GO) test -run='^$$' -bench=. -benchmem -count=$(COUNT) ./... | tee bench.txt

lint:
	$(call section,"gofmt")
	@out="$$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -print0 | xargs -0 -r gofmt -l)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(call section,"go vet")
	$(GO) vet ./...
	$(call section,"staticcheck")
	@if [ ! -x "$(STATICCHECK)" ]; then $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); fi
	$(STATICCHECK) ./...

build-lambdas:
	$(call section,"building Lambda packages")
	@if [ -f deploy/build.sh ]; then \
		bash deploy/build.sh; \
	else \
		echo "deploy/build.sh not present; nothing to build"; \
	fi
