//go:build tools

// Package tools pins metrics-server, which serves the simulated pods' CPU to the HPA controller.
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
