//go:build tools

// Package tools pins containerd 2 (the daemon, its runc shim and ctr) for hack/build-nodes.sh.
// Nothing here is our code.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
