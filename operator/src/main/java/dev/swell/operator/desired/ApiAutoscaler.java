package dev.swell.operator.desired;

import dev.swell.operator.api.ApiAutoscaling;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The api's HorizontalPodAutoscaler, on CPU and/or memory, with the spec's behavior passed through.
 */
public final class ApiAutoscaler {

  private ApiAutoscaler() {}

  public static HorizontalPodAutoscaler hpa(ScalableService s) {
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
        .withNewScaleTargetRef()
        .withApiVersion("apps/v1")
        .withKind("Deployment")
        .withName(ChildNames.of(s, Component.API))
        .endScaleTargetRef()
        .withMinReplicas(a.minReplicas)
        .withMaxReplicas(a.maxReplicas)
        .withMetrics(metrics)
        .withBehavior(a.behavior)
        .endSpec()
        .build();
  }

  private static MetricSpec utilization(String resource, int percent) {
    return new MetricSpecBuilder()
        .withType("Resource")
        .withNewResource()
        .withName(resource)
        .withNewTarget()
        .withType("Utilization")
        .withAverageUtilization(percent)
        .endTarget()
        .endResource()
        .build();
  }
}
