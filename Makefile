# Swell: `make test` installs what it needs and runs every test layer; `make demo` tells the story.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Maven and the operator need Java >= 21; the machine's default java may be older.
JAVA_HOME := $(shell hack/find-jdk.sh)
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
MVN ?= mvn -B -ntp

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install the system packages the tests use (redis-server)
	hack/install-deps.sh

.PHONY: test
test: deps ## every test layer: unit, mock server, real API server, simulated cluster
	$(MVN) verify

.PHONY: build
build: ## compile and package without tests
	$(MVN) -DskipTests package

.PHONY: crds
crds: ## regenerate crds/ from the Java model (commit the result)
	$(MVN) -pl operator -am -Dtest=CrdTest -Dswell.crds.update=true -Dsurefire.failIfNoSpecifiedTests=false test
