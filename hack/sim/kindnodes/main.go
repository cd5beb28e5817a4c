// Command kindnodes prints, as a YAML stream, the KWOK fake Nodes that mirror the nodes of a kind
// cluster config: the same roles, names (as kind names them), labels and taints, with a realistic
// capacity. hack/sim-cluster.sh applies them so the simulated cluster has kind's shape.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

type kindConfig struct {
	Name  string     `json:"name"`
	Nodes []kindNode `json:"nodes"`
}

type kindNode struct {
	Role                 string            `json:"role"`
	Labels               map[string]string `json:"labels"`
	KubeadmConfigPatches []string          `json:"kubeadmConfigPatches"`
}

type taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

type patch struct {
	NodeRegistration struct {
		Taints           []taint           `json:"taints"`
		KubeletExtraArgs map[string]string `json:"kubeletExtraArgs"`
	} `json:"nodeRegistration"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kindnodes <kind-config.yaml>")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var cfg kindConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		fail(fmt.Errorf("%s: %w", os.Args[1], err))
	}
	if cfg.Name == "" {
		cfg.Name = "kind"
	}
	workers := 0
	for i, n := range cfg.Nodes {
		name := cfg.Name + "-control-plane"
		labels := map[string]string{}
		var taints []taint
		if n.Role == "worker" {
			workers++
			name = cfg.Name + "-worker"
			if workers > 1 {
				name = fmt.Sprintf("%s-worker%d", cfg.Name, workers)
			}
		} else {
			labels["node-role.kubernetes.io/control-plane"] = ""
			taints = append(taints, taint{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"})
			if i > 0 {
				name = fmt.Sprintf("%s-control-plane%d", cfg.Name, i+1)
			}
		}
		for k, v := range n.Labels {
			labels[k] = v
		}
		for _, p := range n.KubeadmConfigPatches {
			var pc patch
			if err := yaml.Unmarshal([]byte(p), &pc); err != nil {
				fail(fmt.Errorf("node %d: kubeadmConfigPatches: %w", i, err))
			}
			taints = append(taints, pc.NodeRegistration.Taints...)
			for _, kv := range strings.Split(pc.NodeRegistration.KubeletExtraArgs["node-labels"], ",") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					labels[k] = v
				}
			}
		}
		fmt.Print("---\n" + node(name, i, labels, taints))
	}
}

func node(name string, index int, labels map[string]string, taints []taint) string {
	labels["kubernetes.io/hostname"] = name
	labels["kubernetes.io/os"] = "linux"
	labels["kubernetes.io/arch"] = "amd64"
	labels["type"] = "kwok"
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n", name)
	b.WriteString("  annotations:\n    kwok.x-k8s.io/node: fake\n    node.alpha.kubernetes.io/ttl: \"0\"\n")
	fmt.Fprintf(&b, "    metrics.k8s.io/resource-metrics-path: /metrics/nodes/%s/metrics/resource\n", name)
	b.WriteString("  labels:\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s: %q\n", k, labels[k])
	}
	fmt.Fprintf(&b, "spec:\n  podCIDR: 10.244.%d.0/24\n", index)
	if len(taints) > 0 {
		b.WriteString("  taints:\n")
		for _, t := range taints {
			fmt.Fprintf(&b, "  - key: %s\n    value: %q\n    effect: %s\n", t.Key, t.Value, t.Effect)
		}
	}
	// a kind node on a laptop: 4 CPUs, 8 GiB
	b.WriteString("status:\n  allocatable: {cpu: \"4\", memory: 8Gi, pods: \"110\"}\n")
	b.WriteString("  capacity: {cpu: \"4\", memory: 8Gi, pods: \"110\"}\n")
	b.WriteString("  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake}\n")
	return b.String()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kindnodes:", err)
	os.Exit(1)
}
