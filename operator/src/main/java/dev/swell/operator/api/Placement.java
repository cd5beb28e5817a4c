package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * Where pods run. Every field is optional; a component's placement replaces the defaults field by
 * field.
 */
@ValidationRule(
    value =
        "!has(self.nodeSelector) || self.nodeSelector.all(k, k.matches(r'"
            + Patterns.LABEL_KEY
            + "'))",
    message = "placement.nodeSelector has a malformed label key",
    fieldPath = ".nodeSelector")
public class Placement {

  public enum Level {
    None,
    Preferred,
    Required
  }

  @JsonPropertyDescription(
      "Topology spread constraints over the component's pods, e.g. across topology.kubernetes.io/zone.")
  @Size(max = 8)
  @ValidationRule(
      value =
          "self.all(a, self.exists_one(b, b.topologyKey == a.topologyKey"
              + " && b.whenUnsatisfiable == a.whenUnsatisfiable))",
      message =
          "placement.spread has two constraints with the same topologyKey and whenUnsatisfiable")
  public List<SpreadConstraint> spread;

  @JsonPropertyDescription(
      "Replicas of a component on distinct nodes: None, Preferred or Required.")
  public Level antiAffinity;

  // at most 16 entries: it bounds the cost of the CEL rule on the keys, which the API server checks
  @Size(max = 16)
  @JsonPropertyDescription("Node labels a pod's node must have (at most 16).")
  public Map<String, String> nodeSelector;

  @JsonPropertyDescription("core/v1 NodeAffinity, passed through (combined with dedicatedNodes).")
  public NodeAffinity nodeAffinity;

  @JsonPropertyDescription("core/v1 Tolerations, passed through (combined with dedicatedNodes).")
  public List<Toleration> tolerations;

  @JsonPropertyDescription(
      "Run only on nodes labelled key=value and tolerate their key=value:NoSchedule taint.")
  public DedicatedNodes dedicatedNodes;

  @JsonPropertyDescription(
      "Pod affinity to the managed Redis (same node): None, Preferred or Required.")
  public Level colocateWithRedis;
}
