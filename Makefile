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
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

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
	kubectl apply --server-side --force-conflicts -f crds/scalableservices.swell.dev.yaml
	LEADER_ELECTION=$${LEADER_ELECTION:-false} java -cp "operator/target/swell-operator-0.1.0-SNAPSHOT.jar:operator/target/lib/*" dev.swell.operator.SwellOperator

.PHONY: build
build: ## compile and package without tests
	$(MVN) -DskipTests package

.PHONY: crds
crds: ## regenerate crds/ from the Java model (commit the result)
	$(MVN) -pl operator -am -Dtest=CrdTest -Dswell.crds.update=true -Dsurefire.failIfNoSpecifiedTests=false test

.PHONY: bench
bench: ## benchmarks (operator reaction vs the HPA, the api's load step, idle cost, sample app) -> docs/benchmarks.md
	MVN="$(MVN)" hack/bench.sh

.PHONY: bench-scale
bench-scale: ## thousands of services on one operator: convergence, idle cost, reaction, restart -> docs/benchmarks.md
	MVN="$(MVN)" hack/bench-kwok.sh ScaleBench -Dswell.bench.scale.sizes=$${SWELL_BENCH_SCALE_SIZES:-100,1000,5000}

.PHONY: bench-peers
bench-peers: ## KEDA (built from source once) beside Swell on the same Redis bursts -> docs/benchmarks.md
	MVN="$(MVN)" hack/bench-peers.sh

# ---- kind (needs Docker and kind) ----
KIND ?= kind
KIND_CLUSTER ?= swell
METRICS_SERVER_VERSION ?= v0.7.2
INGRESS_NGINX_VERSION ?= controller-v1.12.1

.PHONY: kind-up
kind-up: ## kind cluster from kind-config.yaml, with metrics-server and ingress-nginx (pinned)
	$(KIND) get clusters | grep -qx $(KIND_CLUSTER) || $(KIND) create cluster --config kind-config.yaml --name $(KIND_CLUSTER)
	kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/download/$(METRICS_SERVER_VERSION)/components.yaml
	kubectl -n kube-system patch deployment metrics-server --type=json \
	  -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]' || true
	kubectl apply -f https://raw.githubusercontent.com/kubernetes/ingress-nginx/$(INGRESS_NGINX_VERSION)/deploy/static/provider/kind/deploy.yaml
	kubectl -n ingress-nginx wait --for=condition=Ready pod -l app.kubernetes.io/component=controller --timeout=300s

.PHONY: images
images: ## Jib builds swell/operator and swell/sample-app offline (base: hack/images, which also makes swell/redis and swell/frameworks), loads them into kind or the real nodes
	hack/images/build.sh >/dev/null
	$(MVN) -pl operator,sample-app -am -DskipTests -Djib.disableUpdateChecks=true package jib:buildTar
	@tars="target/images/redis.tar target/images/frameworks.tar operator/target/jib-image.tar sample-app/target/jib-image.tar"; \
	if command -v $(KIND) >/dev/null && $(KIND) get clusters 2>/dev/null | grep -qx $(KIND_CLUSTER); then \
	  for t in $$tars; do $(KIND) load image-archive $$t --name $(KIND_CLUSTER); done; \
	elif hack/sim-cluster.sh status >/dev/null 2>&1 && [[ -s $${SWELL_SIM_DIR:-.sim}/real-nodes ]]; then \
	  hack/sim-cluster.sh load-images $$tars; \
	else echo "images: tarballs in target/images, operator/target and sample-app/target (no cluster to load them into)"; fi

.PHONY: deploy
deploy: ## install the CRD, RBAC and the operator (kustomize manifests/) into the current cluster
	kubectl apply --server-side --force-conflicts -k manifests
	kubectl -n swell-system rollout status deployment/swell-operator --timeout=180s

.PHONY: undeploy
undeploy: ## remove the operator, its RBAC and the CRD (and with it every ScalableService)
	kubectl delete -k manifests --ignore-not-found

.PHONY: e2e
e2e: ## the E2E suite against the kind cluster (skips only what needs KWOK-simulated CPU)
	$(KIND) get kubeconfig --name $(KIND_CLUSTER) > .kind-kubeconfig
	KUBECONFIG=$(CURDIR)/.kind-kubeconfig $(MVN) -pl operator -am verify -Dtest=none \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test='*E2E'

.PHONY: demo
demo: ## the whole story: kind where Docker is present, else the simulated cluster; draws .demo/timeline.png
	MVN="$(MVN) -q" hack/demo.sh
