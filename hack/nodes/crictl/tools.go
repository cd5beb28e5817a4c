//go:build tools

// Package tools pins sigs.k8s.io/cri-tools v1.34.0 for hack/build-nodes.sh. Nothing here is our code.
package tools

import (
	_ "sigs.k8s.io/cri-tools/cmd/crictl"
)
