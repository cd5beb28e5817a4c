package dev.swell.operator.reconciler;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.Components;
import dev.swell.operator.desired.Workloads;
import dev.swell.operator.placement.PlacementFeasibility;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges the api's and the worker's placement against the cluster's nodes, at their most replicas.
 */
final class PlacementCheck {

  private PlacementCheck() {}

  static List<String> problems(ScalableService s, List<Node> nodes) {
    List<String> problems = new ArrayList<>();
    if (Components.api(s)) {
      problems.addAll(
          PlacementFeasibility.problems(
              "api",
              Workloads.placement(s, Component.API, s.getSpec().api.placement),
              Components.maxApiReplicas(s),
              nodes));
    }
    if (Components.worker(s)) {
      var worker = s.getSpec().worker;
      problems.addAll(
          PlacementFeasibility.problems(
              "worker",
              Workloads.placement(s, Component.WORKER, worker.placement),
              Components.maxWorkers(worker),
              nodes));
    }
    return problems;
  }
}
