//go:build tools

// Package tools pins the Kubernetes control-plane commands that hack/build-controlplane.sh
// builds for the simulated cluster and for kube-api-test. Nothing here is our code.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
