package dev.swell.operator.placement;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Judges a component's placement against the cluster's Nodes, to warn before pods sit Pending: no
 * eligible node, Required anti-affinity asking for more nodes than there are, a toleration no taint
 * needs, a hard spread over a label no eligible node has. Never blocks: the caller turns the
 * problems into a condition and an event.
 */
public final class PlacementFeasibility {

  private PlacementFeasibility() {}

  /** Problems in plain words, naming the component; empty when the placement fits. */
  public static List<String> problems(
      String component, PodPlacement placement, int maxReplicas, List<Node> nodes) {
    List<String> problems = new ArrayList<>();
    List<Node> eligible = nodes.stream().filter(n -> eligible(placement, n)).toList();
    if (eligible.isEmpty()) {
      problems.add(
          component
              + ": no node matches the placement (node selector, node affinity, "
              + "dedicated nodes and taints); its pods stay Pending");
      return problems;
    }
    if (requiresDistinctNodes(placement) && maxReplicas > eligible.size()) {
      problems.add(
          component
              + ": Required anti-affinity needs "
              + maxReplicas
              + " nodes for "
              + maxReplicas
              + " replicas but "
              + eligible.size()
              + " are eligible; "
              + (maxReplicas - eligible.size())
              + " would stay Pending");
    }
    for (Toleration t : placement.tolerations()) {
      boolean used =
          nodes.stream().anyMatch(n -> taints(n).stream().anyMatch(taint -> tolerates(t, taint)));
      if (!used) {
        problems.add(component + ": toleration " + describe(t) + " matches no node's taint");
      }
    }
    for (TopologySpreadConstraint c : placement.topologySpreadConstraints()) {
      boolean labelled = eligible.stream().anyMatch(n -> labels(n).containsKey(c.getTopologyKey()));
      if ("DoNotSchedule".equals(c.getWhenUnsatisfiable()) && !labelled) {
        problems.add(
            component
                + ": spread over "
                + c.getTopologyKey()
                + " with DoNotSchedule, but no eligible node has that label");
      }
    }
    return problems;
  }

  static boolean eligible(PodPlacement placement, Node node) {
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return false;
    }
    Map<String, String> labels = labels(node);
    for (Map.Entry<String, String> e : placement.nodeSelector().entrySet()) {
      if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    for (Taint taint : taints(node)) {
      boolean blocking =
          "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
      if (blocking && placement.tolerations().stream().noneMatch(t -> tolerates(t, taint))) {
        return false;
      }
    }
    return matchesRequiredNodeAffinity(placement, labels);
  }

  private static boolean matchesRequiredNodeAffinity(
      PodPlacement placement, Map<String, String> labels) {
    if (placement.affinity() == null
        || placement.affinity().getNodeAffinity() == null
        || placement
                .affinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
            == null) {
      return true;
    }
    List<NodeSelectorTerm> terms =
        placement
            .affinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    if (terms == null || terms.isEmpty()) {
      return true;
    }
    return terms.stream()
        .anyMatch(
            term ->
                term.getMatchExpressions() == null
                    || term.getMatchExpressions().stream().allMatch(r -> matches(r, labels)));
  }

  static boolean matches(NodeSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      case "Gt" -> value != null && !values.isEmpty() && compare(value, values.get(0)) > 0;
      case "Lt" -> value != null && !values.isEmpty() && compare(value, values.get(0)) < 0;
      default -> false;
    };
  }

  private static int compare(String label, String bound) {
    try {
      return Long.compare(Long.parseLong(label), Long.parseLong(bound));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null
        && !t.getEffect().isEmpty()
        && !t.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if ("Exists".equals(t.getOperator())) {
      return t.getKey() == null || t.getKey().isEmpty() || t.getKey().equals(taint.getKey());
    }
    return Objects.equals(t.getKey(), taint.getKey())
        && Objects.equals(
            t.getValue() == null ? "" : t.getValue(),
            taint.getValue() == null ? "" : taint.getValue());
  }

  private static boolean requiresDistinctNodes(PodPlacement placement) {
    return placement.affinity() != null
        && placement.affinity().getPodAntiAffinity() != null
        && placement
                .affinity()
                .getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
            != null
        && !placement
            .affinity()
            .getPodAntiAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .isEmpty();
  }

  private static Map<String, String> labels(Node node) {
    Map<String, String> labels = node.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  private static List<Taint> taints(Node node) {
    return node.getSpec() == null || node.getSpec().getTaints() == null
        ? List.of()
        : node.getSpec().getTaints();
  }

  private static String describe(Toleration t) {
    return (t.getKey() == null ? "*" : t.getKey())
        + ("Exists".equals(t.getOperator()) ? "" : "=" + t.getValue())
        + (t.getEffect() == null ? "" : ":" + t.getEffect());
  }
}
