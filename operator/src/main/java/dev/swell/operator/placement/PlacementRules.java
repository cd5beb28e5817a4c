package dev.swell.operator.placement;

import dev.swell.operator.api.DedicatedNodes;
import dev.swell.operator.api.Placement;
import dev.swell.operator.api.Placement.Level;
import dev.swell.operator.api.SpreadConstraint;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodAffinity;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates {@code spec.placement}, overridden by a component's own placement, into the pod's
 * affinity, tolerations, topology spread constraints and node selector. Pure: no client.
 */
public final class PlacementRules {

  static final String HOSTNAME = "kubernetes.io/hostname";
  static final int PREFERRED_WEIGHT = 100;

  private PlacementRules() {}

  /**
   * Fields set in {@code override} replace the same fields of {@code defaults}; either may be null.
   */
  public static Placement merge(Placement defaults, Placement override) {
    if (defaults == null) {
      return override == null ? new Placement() : override;
    }
    if (override == null) {
      return defaults;
    }
    Placement p = new Placement();
    p.spread = override.spread != null ? override.spread : defaults.spread;
    p.antiAffinity = override.antiAffinity != null ? override.antiAffinity : defaults.antiAffinity;
    p.nodeSelector = override.nodeSelector != null ? override.nodeSelector : defaults.nodeSelector;
    p.nodeAffinity = override.nodeAffinity != null ? override.nodeAffinity : defaults.nodeAffinity;
    p.tolerations = override.tolerations != null ? override.tolerations : defaults.tolerations;
    p.dedicatedNodes =
        override.dedicatedNodes != null ? override.dedicatedNodes : defaults.dedicatedNodes;
    p.colocateWithRedis =
        override.colocateWithRedis != null
            ? override.colocateWithRedis
            : defaults.colocateWithRedis;
    return p;
  }

  /**
   * @param placement the merged placement of the component
   * @param ownPods labels selecting the component's own pods (for anti-affinity and spread)
   * @param redisPods labels selecting the managed Redis pod, or null when Redis is not managed
   *     (co-location then has nothing to follow and is dropped)
   */
  public static PodPlacement translate(
      Placement placement, Map<String, String> ownPods, Map<String, String> redisPods) {
    if (placement == null) {
      return PodPlacement.NONE;
    }
    NodeAffinity nodeAffinity = nodeAffinity(placement);
    PodAntiAffinity antiAffinity = antiAffinity(placement.antiAffinity, ownPods);
    PodAffinity colocation =
        redisPods == null ? null : colocation(placement.colocateWithRedis, redisPods);
    Affinity affinity =
        nodeAffinity == null && antiAffinity == null && colocation == null
            ? null
            : new Affinity(nodeAffinity, colocation, antiAffinity);
    return new PodPlacement(
        affinity,
        tolerations(placement),
        spread(placement.spread, ownPods),
        placement.nodeSelector == null ? Map.of() : new LinkedHashMap<>(placement.nodeSelector));
  }

  private static NodeAffinity nodeAffinity(Placement placement) {
    DedicatedNodes dedicated = placement.dedicatedNodes;
    NodeAffinity given = placement.nodeAffinity;
    if (dedicated == null) {
      return given;
    }
    NodeSelectorRequirement onDedicated =
        new NodeSelectorRequirement(dedicated.key, "In", List.of(dedicated.value));
    // Terms of a required node selector are ORed: the dedicated-node requirement must be ANDed
    // into each of them, or a given term would let pods escape the dedicated nodes.
    List<NodeSelectorTerm> terms = new ArrayList<>();
    NodeSelector required =
        given == null ? null : given.getRequiredDuringSchedulingIgnoredDuringExecution();
    if (required == null
        || required.getNodeSelectorTerms() == null
        || required.getNodeSelectorTerms().isEmpty()) {
      terms.add(new NodeSelectorTerm(List.of(onDedicated), null));
    } else {
      for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
        List<NodeSelectorRequirement> expressions = new ArrayList<>();
        if (term.getMatchExpressions() != null) {
          expressions.addAll(term.getMatchExpressions());
        }
        expressions.add(onDedicated);
        terms.add(new NodeSelectorTerm(expressions, term.getMatchFields()));
      }
    }
    return new NodeAffinity(
        given == null ? null : given.getPreferredDuringSchedulingIgnoredDuringExecution(),
        new NodeSelector(terms));
  }

  private static PodAntiAffinity antiAffinity(Level level, Map<String, String> ownPods) {
    if (level == null || level == Level.None) {
      return null;
    }
    PodAffinityTerm term = hostTerm(ownPods);
    return level == Level.Required
        ? new PodAntiAffinity(null, List.of(term))
        : new PodAntiAffinity(List.of(new WeightedPodAffinityTerm(term, PREFERRED_WEIGHT)), null);
  }

  private static PodAffinity colocation(Level level, Map<String, String> redisPods) {
    if (level == null || level == Level.None) {
      return null;
    }
    PodAffinityTerm term = hostTerm(redisPods);
    return level == Level.Required
        ? new PodAffinity(null, List.of(term))
        : new PodAffinity(List.of(new WeightedPodAffinityTerm(term, PREFERRED_WEIGHT)), null);
  }

  private static PodAffinityTerm hostTerm(Map<String, String> labels) {
    PodAffinityTerm term = new PodAffinityTerm();
    term.setLabelSelector(selector(labels));
    term.setTopologyKey(HOSTNAME);
    return term;
  }

  private static List<Toleration> tolerations(Placement placement) {
    List<Toleration> result = new ArrayList<>();
    if (placement.tolerations != null) {
      result.addAll(placement.tolerations);
    }
    if (placement.dedicatedNodes != null) {
      result.add(
          new Toleration(
              "NoSchedule",
              placement.dedicatedNodes.key,
              "Equal",
              null,
              placement.dedicatedNodes.value));
    }
    return result;
  }

  private static List<TopologySpreadConstraint> spread(
      List<SpreadConstraint> spread, Map<String, String> ownPods) {
    if (spread == null) {
      return List.of();
    }
    List<TopologySpreadConstraint> result = new ArrayList<>();
    for (SpreadConstraint s : spread) {
      TopologySpreadConstraint c = new TopologySpreadConstraint();
      c.setTopologyKey(s.topologyKey);
      c.setMaxSkew(s.maxSkew == null ? 1 : s.maxSkew);
      c.setWhenUnsatisfiable(
          s.whenUnsatisfiable == null ? "ScheduleAnyway" : s.whenUnsatisfiable.name());
      c.setLabelSelector(selector(ownPods));
      // Nodes whose taints the pod does not tolerate (dedicated nodes, control planes) are not
      // domains it could use: counting them would make an even spread impossible.
      c.setNodeTaintsPolicy("Honor");
      result.add(c);
    }
    return result;
  }

  private static LabelSelector selector(Map<String, String> labels) {
    return new LabelSelector(null, new LinkedHashMap<>(labels));
  }
}
