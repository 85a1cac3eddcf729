# dolium — see README.md. The two commands a new user needs: `make run`, `make test`.
GO      ?= go
BIN     := bin/dolium
LISTEN  ?= 127.0.0.1:9000
DATA    ?= ./data

.PHONY: build run run-cassandra test test-deps unit fault conformance conformance-cassandra fuzz bench soak vet clean \
	cassandra-install cassandra-start cassandra-stop cassandra-status

build:
	$(GO) build -o $(BIN) ./cmd/dolium

## run: serve S3 on the embedded store under $(DATA) at $(LISTEN)
run: build
	$(BIN) serve --listen $(LISTEN) --data $(DATA)

## run-cassandra: start a local Apache Cassandra (jars from Maven Central) and serve S3 on it
run-cassandra: build cassandra-start
	$(BIN) serve --listen $(LISTEN) --data $(DATA) --store cassandra --cassandra-hosts 127.0.0.1:9042

## cassandra-*: a local one-node Apache Cassandra for tests and run-cassandra (deploy/cassandra)
cassandra-install:
	deploy/cassandra/install.sh
cassandra-start:
	deploy/cassandra/start.sh
cassandra-stop:
	deploy/cassandra/stop.sh --all
cassandra-status:
	deploy/cassandra/status.sh

## test-deps: everything the tests need (Go modules, Cassandra's jars, the MinIO server
## the cloud tests use as zones, built into bin/ from its Go module, the clients the
## conformance suite drives: restic and the aws CLI v2 from Debian, the aws CLI v1 from
## PyPI in a venv at bin/awscli-v1, s3cmd, boto3, and Chromium for the browser test)
test-deps:
	$(GO) mod download
	deploy/cassandra/install.sh
	test/cloud/install-minio.sh
	conformance/install-clients.sh
	@command -v s3cmd >/dev/null 2>&1 || (apt-get update && apt-get install -y s3cmd) || $(PIP) install --quiet s3cmd
	@s3cmd --version
	@python3 -c 'import boto3' 2>/dev/null || $(PIP) install --quiet boto3
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)
	@chromium --version

vet:
	$(GO) vet ./...

## unit: package tests with the race detector (fuzz seed corpora included);
## the Cassandra backends' tests run against the local Cassandra and fail without it
unit: cassandra-start
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v -e /conformance -e '/test/fault$$' -e /test/cluster -e /test/cloud -e /test/upgrade)

## fault: real-process tests, one package at a time: SIGKILL mid-upload, bad input
## (test/fault); two gateways on Cassandra, GC rows, a Cassandra outage, two data centres
## (test/cluster); zones behind fault proxies: down, corrupt, repair, gateway killed (test/cloud);
## stores written by the previous release opened by this one (test/upgrade)
fault: build cassandra-start
	$(GO) test -count=1 -p 1 -timeout 20m ./test/fault/ ./test/cluster/ ./test/cloud/ ./test/upgrade/

## conformance: the S3 conformance suite against a freshly started dolium
conformance: build
	DOLIUM_REQUIRE_CLI=1 $(GO) test -count=1 -timeout 15m ./conformance/

## conformance-cassandra: the same suite against dolium on Cassandra
conformance-cassandra: build cassandra-start
	DOLIUM_REQUIRE_CLI=1 DOLIUM_STORE=cassandra DOLIUM_CASSANDRA_HOSTS=127.0.0.1:9042 \
	DOLIUM_CASSANDRA_KEYSPACE=conformance_$$(date +%s) $(GO) test -count=1 -timeout 15m ./conformance/

test: test-deps vet unit fault conformance conformance-cassandra

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	  done; \
	done

bench: build
	./test/bench/run.sh

## soak: 30 minutes of mixed load with a SIGKILL every 3 minutes, embedded and
## Cassandra side by side (SOAK_DURATION, SOAK_KILL_EVERY); not part of make test
soak: build cassandra-start
	./test/bench/soak.sh

clean:
	rm -rf bin
