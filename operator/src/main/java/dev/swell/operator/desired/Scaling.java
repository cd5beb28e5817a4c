package dev.swell.operator.desired;

import dev.swell.operator.api.ApiAutoscaling;
import dev.swell.operator.api.ApiSpec;
import dev.swell.operator.api.DisruptionBudgetSpec;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.WorkerSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;

/** The api's HorizontalPodAutoscaler and the components' PodDisruptionBudgets. */
public final class Scaling {

  private Scaling() {}

  public static HorizontalPodAutoscaler apiHpa(ScalableService s) {
    ApiAutoscaling a = s.getSpec().api.autoscaling;
    List<MetricSpec> metrics = new ArrayList<>();
    if (a.cpuUtilization != null) {
      metrics.add(utilization("cpu", a.cpuUtilization));
    }
    if (a.memoryUtilization != null) {
      metrics.add(utilization("memory", a.memoryUtilization));
    }
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(ChildNames.metadata(s, Component.API, ChildNames.of(s, Component.API)))
        .withNewSpec()
        .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment")
        .withName(ChildNames.of(s, Component.API)).endScaleTargetRef()
        .withMinReplicas(a.minReplicas)
        .withMaxReplicas(a.maxReplicas)
        .withMetrics(metrics)
        .withBehavior(a.behavior)
        .endSpec()
        .build();
  }

  /** Whether the api may run 2 or more replicas, so that a disruption budget means something. */
  public static boolean apiNeedsBudget(ScalableService s) {
    ApiSpec api = s.getSpec().api;
    return Components.api(s)
        && (api.autoscaling != null ? api.autoscaling.maxReplicas >= 2 : api.replicas != null && api.replicas >= 2);
  }

  public static boolean workerNeedsBudget(ScalableService s) {
    WorkerSpec worker = s.getSpec().worker;
    return Components.worker(s) && maxWorkers(worker) >= 2;
  }

  public static int maxWorkers(WorkerSpec worker) {
    return worker.autoscaling == null || worker.autoscaling.maxReplicas == null ? 10 : worker.autoscaling.maxReplicas;
  }

  /** The api keeps at least one pod serving (minAvailable 1) unless the spec says otherwise. */
  public static PodDisruptionBudget apiBudget(ScalableService s) {
    return budget(s, Component.API, s.getSpec().api.disruptionBudget, new IntOrString(1), null);
  }

  /**
   * Workers drain gracefully and their work survives them (the queue is reliable), so the default
   * lets a drain take one at a time (maxUnavailable 1) instead of blocking it.
   */
  public static PodDisruptionBudget workerBudget(ScalableService s) {
    return budget(s, Component.WORKER, s.getSpec().worker.disruptionBudget, null, new IntOrString(1));
  }

  private static PodDisruptionBudget budget(ScalableService s, Component c, DisruptionBudgetSpec spec,
      IntOrString defaultMinAvailable, IntOrString defaultMaxUnavailable) {
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
        .withNewSelector().withMatchLabels(ChildNames.selector(s, c)).endSelector()
        .endSpec()
        .build();
  }

  private static MetricSpec utilization(String resource, int percent) {
    return new MetricSpecBuilder().withType("Resource").withNewResource().withName(resource)
        .withNewTarget().withType("Utilization").withAverageUtilization(percent).endTarget()
        .endResource().build();
  }
}
