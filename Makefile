# Sparkify warehouse job. Everything runs on a machine with Go, a Docker
# engine and (for the Postgres image) debootstrap; nothing is pulled from a
# container registry.
#
#   make build             bin/job, static, version stamped
#   make unit-test         unit tests; need nothing running
#   make integration-test  the integration suite against containers (builds the images first)
#   make test              both
#   make images            the offline images: Postgres, S3 emulator, Redshift emulator, job;
#                          each is built again only when its inputs changed (deploy/images/build.sh)
#   make lint              gofmt, go mod tidy -diff, go vet (with and without the integration tag), staticcheck
#   make demo              load and report on the emulated stack with docker compose, and leave
#                          the stack running (DEMO_TARGET=redshift: on the redshift target,
#                          through the Redshift emulator)
#   make redshift-contract the contract suite (integration/contract_test.go) against a real cluster or
#                          Serverless workgroup (SPARKIFY_CONTRACT_* variables, see README "The first
#                          real run"); writes contract-report.md and contract-report.json
#   make bench             the job's loads at 10k, 100k and 1M events against raw COPY and row by
#                          row, and 20,000 objects behind a slow S3; writes the table to BENCHMARKS.md
#                          (needs the Postgres image; BENCH_FLAGS=-quick for 10k and 100k only)
#   make clean             remove build output and the demo's report

SHELL := /bin/bash

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

# Static binaries, and the same setting for tests and vet, so that every
# target reuses the packages the others compiled (the AWS SDK takes minutes).
export CGO_ENABLED := 0

POSTGRES_IMAGE ?= sparkify/postgres:15
S3_IMAGE ?= sparkify/s3emulator:latest
JOB_IMAGE ?= sparkify/job:latest
REDSHIFTEMU_IMAGE ?= sparkify/redshiftemu:latest
export VERSION POSTGRES_IMAGE S3_IMAGE JOB_IMAGE REDSHIFTEMU_IMAGE

# Where make demo writes the report.
DEMO_REPORT_DIR ?= report

# staticcheck, pinned; go run builds it from the module proxy on first use.
STATICCHECK_VERSION := v0.8.2

# testcontainers-go: no reaper (its image cannot be pulled here), and reach
# the containers' published ports on the loopback address.
TESTCONTAINERS_ENV := TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost

# "docker compose" (the plugin) where it is installed, else Debian's
# docker-compose package (apt-get install docker-compose).
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)

.PHONY: build test unit-test integration-test images lint demo bench clean redshift-contract

build:
	go build -ldflags "$(LDFLAGS)" -o bin/job ./cmd/job

test: unit-test integration-test

unit-test:
	go test ./...

# -count=1: the suite's inputs are the containers, which go test's cache
# cannot see. -timeout 40m: go test's default (10m) is too short for the
# suite with TestMakeDemo on a busy machine.
integration-test: images
	$(TESTCONTAINERS_ENV) \
	SPARKIFY_TEST_POSTGRES_IMAGE=$(POSTGRES_IMAGE) SPARKIFY_TEST_S3_IMAGE=$(S3_IMAGE) \
	go test -tags integration -count=1 -timeout 40m -v ./integration/... ./internal/testkit/...

images:
	deploy/images/build.sh

lint:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go mod tidy -diff
	go vet ./...
	go vet -tags integration ./...
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags integration ./...

# The emulated stack of docker-compose.yml: Postgres, the S3 emulator seeded
# with integration/testdata/fixture, and the job running load then report
# (DEMO_TARGET=redshift: on the redshift target, through the Redshift
# emulator). It builds only the images it runs (build.sh builds the Postgres
# image while it compiles the others). Each demo starts from a new stack
# (the previous demo's is removed) and leaves it running, so that the
# README's "Look at what was loaded" works after it;
# "$(COMPOSE) --profile redshift down -v" removes it. The report lands in
# $(DEMO_REPORT_DIR), written as the invoking user.
demo:
	deploy/images/build.sh postgres s3emulator job $(if $(filter redshift,$(DEMO_TARGET)),redshiftemu)
	mkdir -p $(DEMO_REPORT_DIR)
	export SPARKIFY_UID=$$(id -u) SPARKIFY_GID=$$(id -g) SPARKIFY_POSTGRES_IMAGE=$(POSTGRES_IMAGE) \
		SPARKIFY_S3_IMAGE=$(S3_IMAGE) SPARKIFY_JOB_IMAGE=$(JOB_IMAGE) SPARKIFY_REDSHIFTEMU_IMAGE=$(REDSHIFTEMU_IMAGE) \
		SPARKIFY_DEMO_REPORT_DIR=$(abspath $(DEMO_REPORT_DIR)); \
	if [ "$(DEMO_TARGET)" = redshift ]; then svc=job-redshift; profile="--profile redshift"; else svc=job; profile=""; fi; \
	$(COMPOSE) --profile redshift down -v --remove-orphans >/dev/null 2>&1; \
	$(COMPOSE) $$profile run --rm $$svc; status=$$?; \
	if [ $$status -eq 0 ]; then \
		echo "demo done: open $(DEMO_REPORT_DIR)/index.html"; \
		echo "the stack is still running (README, \"Look at what was loaded\"); $(COMPOSE) --profile redshift down -v removes it"; \
	fi; exit $$status

# The emulator's assumptions, checked on a real warehouse: the same
# TestContract tests that make test runs against the emulator. Needs no
# Docker; the report goes to SPARKIFY_CONTRACT_REPORT_DIR (default: here).
redshift-contract:
	@if [ -z "$$SPARKIFY_CONTRACT_DSN" ]; then \
		echo "set SPARKIFY_CONTRACT_DSN, SPARKIFY_CONTRACT_SERVERLESS, SPARKIFY_CONTRACT_IAM_ROLE_ARN, SPARKIFY_CONTRACT_S3_URI and SPARKIFY_CONTRACT_REGION (README: The first real run)"; exit 2; fi
	@dir=$${SPARKIFY_CONTRACT_REPORT_DIR:-.}; rm -f "$$dir/contract-report.json" "$$dir/contract-report.md"; \
	SPARKIFY_CONTRACT_REPORT_DIR=$$dir go test -tags integration -count=1 -v -run '^TestContract' ./integration/; status=$$?; \
	if [ -f "$$dir/contract-report.md" ]; then cat "$$dir/contract-report.md"; fi; exit $$status

# Issue 9's benchmark (cmd/bench): one run, same data and database for the
# job, the raw COPY and the row-by-row baseline. It starts (and removes) its
# own Postgres container (sparkify/postgres:15, or -image) with the
# integration suite's helper (internal/testkit/containers); make images
# builds it.
bench:
	go run ./cmd/bench $(BENCH_FLAGS)

clean:
	rm -rf bin report
