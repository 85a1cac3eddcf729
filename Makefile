# dolium — see README.md. The two commands a new user needs: `make run`, `make test`.
GO      ?= go
BIN     := bin/dolium
LISTEN  ?= 127.0.0.1:9000
DATA    ?= ./data
PIP     ?= python3 -m pip

.PHONY: build run test test-deps unit conformance fuzz bench vet clean

build:
	$(GO) build -o $(BIN) ./cmd/dolium

## run: serve S3 on the embedded store under $(DATA) at $(LISTEN)
run: build
	$(BIN) serve --listen $(LISTEN) --data $(DATA)

## test-deps: everything the tests need (Go modules, the aws CLI)
test-deps:
	$(GO) mod download
	@command -v aws >/dev/null 2>&1 || $(PIP) install --quiet awscli
	@aws --version

vet:
	$(GO) vet ./...

## unit: package tests with the race detector (fuzz seed corpora included)
unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /conformance)

## conformance: the S3 conformance suite against a freshly started dolium
conformance: build
	DOLIUM_REQUIRE_CLI=1 $(GO) test -count=1 -timeout 15m ./conformance/

test: test-deps vet unit conformance

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	  done; \
	done

bench: build
	./bench/run.sh

clean:
	rm -rf bin
