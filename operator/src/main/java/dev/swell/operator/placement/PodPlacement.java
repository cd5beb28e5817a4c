package dev.swell.operator.placement;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/** The scheduling fields of a pod spec, as translated from a ScalableService's placement. */
public record PodPlacement(
    Affinity affinity,
    List<Toleration> tolerations,
    List<TopologySpreadConstraint> topologySpreadConstraints,
    Map<String, String> nodeSelector) {

  public static final PodPlacement NONE = new PodPlacement(null, List.of(), List.of(), Map.of());
}
