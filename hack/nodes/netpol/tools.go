//go:build tools

// Pins kube-network-policies, the NetworkPolicy enforcer kind's CNI uses, for hack/build-nodes.sh.
package tools

import _ "sigs.k8s.io/kube-network-policies/cmd"
