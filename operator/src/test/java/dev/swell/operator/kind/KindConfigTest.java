package dev.swell.operator.kind;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * kind-config.yaml has kind's v1alpha4 shape and the cluster the samples and tests expect: one
 * control plane with ingress host ports, workers in three zones, one dedicated tainted worker.
 */
class KindConfigTest {

  static final Set<String> CLUSTER_FIELDS =
      Set.of(
          "kind",
          "apiVersion",
          "name",
          "nodes",
          "networking",
          "featureGates",
          "runtimeConfig",
          "kubeadmConfigPatches",
          "kubeadmConfigPatchesJSON6902",
          "containerdConfigPatches");
  static final Set<String> NODE_FIELDS =
      Set.of(
          "role",
          "image",
          "labels",
          "extraMounts",
          "extraPortMappings",
          "kubeadmConfigPatches",
          "kubeadmConfigPatchesJSON6902");

  static JsonNode config() throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(Path.of("../kind-config.yaml").toFile());
  }

  @Test
  void isAKindV1alpha4ClusterWithOnlyKnownFields() throws IOException {
    JsonNode c = config();
    assertThat(c.get("kind").asText()).isEqualTo("Cluster");
    assertThat(c.get("apiVersion").asText()).isEqualTo("kind.x-k8s.io/v1alpha4");
    c.fieldNames()
        .forEachRemaining(f -> assertThat(CLUSTER_FIELDS).as("cluster field").contains(f));
    for (JsonNode node : c.get("nodes")) {
      node.fieldNames().forEachRemaining(f -> assertThat(NODE_FIELDS).as("node field").contains(f));
      assertThat(node.get("role").asText()).isIn("control-plane", "worker");
      assertThat(node.get("image").asText())
          .as("a pinned Kubernetes 1.33 node image")
          .matches("kindest/node:v1\\.33\\.\\d+@sha256:[0-9a-f]{64}");
    }
  }

  @Test
  void theControlPlaneIsIngressReadyOnPorts80And443() throws IOException {
    List<JsonNode> planes = nodes("control-plane");
    assertThat(planes).hasSize(1);
    JsonNode cp = planes.get(0);
    List<Integer> hostPorts = new ArrayList<>();
    cp.get("extraPortMappings")
        .forEach(
            m -> {
              assertThat(m.get("containerPort").asInt()).isEqualTo(m.get("hostPort").asInt());
              hostPorts.add(m.get("hostPort").asInt());
            });
    assertThat(hostPorts).containsExactlyInAnyOrder(80, 443);
    assertThat(cp.get("kubeadmConfigPatches").get(0).asText())
        .contains("InitConfiguration", "ingress-ready=true");
  }

  @Test
  void workersSpanThreeZonesAndOneIsDedicatedAndTainted() throws IOException {
    List<JsonNode> workers = nodes("worker");
    List<String> general = new ArrayList<>();
    List<JsonNode> dedicated = new ArrayList<>();
    for (JsonNode w : workers) {
      JsonNode labels = w.get("labels");
      assertThat(labels.get("topology.kubernetes.io/zone"))
          .as("every worker has a zone")
          .isNotNull();
      if (labels.has("dedicated")) {
        dedicated.add(w);
      } else {
        general.add(labels.get("topology.kubernetes.io/zone").asText());
      }
    }
    assertThat(general).containsExactlyInAnyOrder("zone-a", "zone-b", "zone-c");
    assertThat(dedicated)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.get("labels").get("dedicated").asText()).isEqualTo("workers");
              String patch = w.get("kubeadmConfigPatches").get(0).asText();
              assertThat(patch)
                  .contains(
                      "JoinConfiguration",
                      "key: dedicated",
                      "value: workers",
                      "effect: NoSchedule");
            });
  }

  private static List<JsonNode> nodes(String role) throws IOException {
    List<JsonNode> result = new ArrayList<>();
    config()
        .get("nodes")
        .forEach(
            n -> {
              if (role.equals(n.get("role").asText())) {
                result.add(n);
              }
            });
    return result;
  }
}
