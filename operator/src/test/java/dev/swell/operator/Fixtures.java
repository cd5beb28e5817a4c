package dev.swell.operator;

import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;

/** ScalableServices and Nodes for tests, written as a user would write them: YAML. */
public final class Fixtures {

  private Fixtures() {}

  public static ScalableService service(String yamlSpec) {
    String yaml =
        """
        apiVersion: swell.dev/v1alpha1
        kind: ScalableService
        metadata:
          name: shop
          namespace: demo
          uid: 6b1f0c7e-0000-4000-8000-000000000001
          generation: 1
        spec:
        """
            + yamlSpec.indent(2);
    return Serialization.unmarshal(yaml, ScalableService.class);
  }

  public static Node node(
      String name, Map<String, String> labels, String taintKey, String taintValue) {
    NodeBuilder b =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .endSpec();
    if (taintKey != null) {
      b.editSpec()
          .addNewTaint()
          .withKey(taintKey)
          .withValue(taintValue)
          .withEffect("NoSchedule")
          .endTaint()
          .endSpec();
    }
    return b.build();
  }

  /** The nodes of kind-config.yaml: three zoned workers, one dedicated (tainted) worker. */
  public static List<Node> kindNodes() {
    return List.of(
        node("swell-worker", Map.of("topology.kubernetes.io/zone", "zone-a"), null, null),
        node("swell-worker2", Map.of("topology.kubernetes.io/zone", "zone-b"), null, null),
        node("swell-worker3", Map.of("topology.kubernetes.io/zone", "zone-c"), null, null),
        node(
            "swell-worker4",
            Map.of("topology.kubernetes.io/zone", "zone-a", "dedicated", "workers"),
            "dedicated",
            "workers"));
  }
}
