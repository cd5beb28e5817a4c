//go:build tools

// Package tools pins KWOK, which runs the simulated cluster's fake nodes and pods.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
