//go:build tools

// Package tools pins the Kubernetes node commands that hack/build-nodes.sh builds for the
// simulated cluster's real nodes: the same k8s.io/kubernetes as hack/controlplane/kubernetes, so
// the Go build cache the control plane filled serves most packages. Nothing here is our code.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
