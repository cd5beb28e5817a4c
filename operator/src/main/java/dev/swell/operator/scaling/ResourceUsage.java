package dev.swell.operator.scaling;

import dev.swell.operator.autoscaling.RequestReading;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** CPU and memory utilization of pods, percent of their requests, as the HPA reads them. */
public interface ResourceUsage {

  /**
   * The average utilization of the pods that report usage and set requests, per signal asked for
   * (cpu, memory); a signal the metrics API cannot give is left out.
   */
  Map<Signal, RequestReading.Value> read(String namespace, List<Pod> pods, Set<Signal> signals);

  /** For a cluster without the metrics API, or tests: nothing is known. */
  ResourceUsage NONE = (namespace, pods, signals) -> Map.of();
}
