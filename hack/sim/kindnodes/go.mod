module swell.dev/hack/sim/kindnodes

go 1.24.0

require sigs.k8s.io/yaml v1.4.0
