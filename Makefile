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
test: ## every test layer: unit and mock server, real API server (kube-api-test), simulated cluster
	MVN="$(MVN)" hack/test.sh

.PHONY: unit
unit: deps ## only the fast layer: unit and mock-server tests (*Test)
	$(MVN) test

.PHONY: controlplane
controlplane: ## build Kubernetes, etcd, kwok and metrics-server from source once (cached)
	hack/build-controlplane.sh

.PHONY: sim-up
sim-up: ## start the simulated cluster (kind-like nodes on a real control plane)
	hack/sim-cluster.sh up

.PHONY: sim-down
sim-down: ## stop the simulated cluster
	hack/sim-cluster.sh down

.PHONY: run
run: build ## run the operator locally against the cluster in KUBECONFIG (installs the CRD)
	kubectl apply --server-side -f crds/
	LEADER_ELECTION=$${LEADER_ELECTION:-false} java -cp "operator/target/swell-operator-0.1.0-SNAPSHOT.jar:operator/target/lib/*" dev.swell.operator.SwellOperator

.PHONY: build
build: ## compile and package without tests
	$(MVN) -DskipTests package

.PHONY: crds
crds: ## regenerate crds/ from the Java model (commit the result)
	$(MVN) -pl operator -am -Dtest=CrdTest -Dswell.crds.update=true -Dsurefire.failIfNoSpecifiedTests=false test

.PHONY: bench
bench: ## benchmarks (operator reaction vs the HPA, idle cost, sample app) -> docs/benchmarks.md
	MVN="$(MVN)" hack/bench.sh
