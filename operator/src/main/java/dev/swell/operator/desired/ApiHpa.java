package dev.swell.operator.desired;

import dev.swell.operator.api.ApiAutoscaling;
import dev.swell.operator.api.ApiMetric;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.ScalingRules;
import dev.swell.operator.scaling.QueueTargets;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The api's HorizontalPodAutoscaler, on CPU and/or memory (the *Utilization fields or metrics of
 * those types), with the spec's behavior passed through; made only when Swell does not scale the
 * api itself.
 */
public final class ApiHpa {

  static final String BEHAVIOR = "spec.api.autoscaling.behavior";

  private ApiHpa() {}

  /**
   * The HPA, once its behavior passes the checks the HPA's API makes (the CRD takes its schema,
   * which leaves them open).
   *
   * @throws InvalidSpecException naming the field
   */
  public static HorizontalPodAutoscaler hpa(ScalableService s) {
    ApiAutoscaling a = s.getSpec().api.autoscaling;
    if (a.behavior != null) {
      try {
        QueueTargets.rules(BEHAVIOR + ".scaleUp", a.behavior.getScaleUp(), ScalingRules.DEFAULT_UP);
        QueueTargets.rules(
            BEHAVIOR + ".scaleDown", a.behavior.getScaleDown(), ScalingRules.DEFAULT_DOWN);
      } catch (IllegalArgumentException e) {
        throw new InvalidSpecException(e.getMessage());
      }
    }
    List<MetricSpec> metrics = new ArrayList<>();
    if (a.cpuUtilization != null) {
      metrics.add(utilization("cpu", a.cpuUtilization));
    }
    if (a.memoryUtilization != null) {
      metrics.add(utilization("memory", a.memoryUtilization));
    }
    if (a.metrics != null) {
      for (ApiMetric m : a.metrics) {
        metrics.add(utilization(m.type.name(), m.target.getIntVal()));
      }
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
