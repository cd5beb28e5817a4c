package dev.swell.operator.desired;

import dev.swell.operator.api.DisruptionBudgetSpec;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

/**
 * The api's and the worker's PodDisruptionBudgets, made when the component may run 2 or more
 * replicas (with one, a budget would only block node drains).
 */
public final class DisruptionBudgets {

  /** The api keeps one pod serving. */
  public static final IntOrString API_DEFAULT_MIN_AVAILABLE = new IntOrString(1);

  /** Workers drain gracefully and their work survives them, so a drain may take one at a time. */
  public static final IntOrString WORKER_DEFAULT_MAX_UNAVAILABLE = new IntOrString(1);

  private DisruptionBudgets() {}

  public static boolean apiNeeded(ScalableService s) {
    return Components.api(s) && Components.maxApiReplicas(s) >= 2;
  }

  public static boolean workerNeeded(ScalableService s) {
    return Components.worker(s) && Components.maxWorkers(s.getSpec().worker) >= 2;
  }

  public static PodDisruptionBudget api(ScalableService s) {
    return budget(
        s, Component.API, s.getSpec().api.disruptionBudget, API_DEFAULT_MIN_AVAILABLE, null);
  }

  public static PodDisruptionBudget worker(ScalableService s) {
    return budget(
        s,
        Component.WORKER,
        s.getSpec().worker.disruptionBudget,
        null,
        WORKER_DEFAULT_MAX_UNAVAILABLE);
  }

  private static PodDisruptionBudget budget(
      ScalableService s,
      Component c,
      DisruptionBudgetSpec spec,
      IntOrString defaultMinAvailable,
      IntOrString defaultMaxUnavailable) {
    IntOrString min = defaultMinAvailable;
    IntOrString max = defaultMaxUnavailable;
    if (spec != null && (spec.minAvailable != null || spec.maxUnavailable != null)) {
      min = spec.minAvailable;
      max = spec.maxUnavailable;
    }
    return new PodDisruptionBudgetBuilder()
        .withMetadata(ChildNames.metadata(s, c, ChildNames.of(s, c)))
        .withNewSpec()
        .withMinAvailable(min)
        .withMaxUnavailable(max)
        .withNewSelector()
        .withMatchLabels(ChildNames.selector(s, c))
        .endSelector()
        .endSpec()
        .build();
  }
}
