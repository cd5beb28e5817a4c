package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.swell.operator.Fixtures;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;

class ApiHpaTest {

  @Test
  void theHpaTargetsTheApiOnCpuAndMemoryWithBehaviorPassedThrough() {
    HorizontalPodAutoscaler hpa =
        ApiHpa.hpa(
            Fixtures.service(
                """
        image: app
        api:
          autoscaling:
            minReplicas: 2
            maxReplicas: 10
            cpuUtilization: 70
            memoryUtilization: 80
            behavior:
              scaleDown:
                stabilizationWindowSeconds: 60
                policies: [{type: Pods, value: 1, periodSeconds: 30}]
        """));
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("shop-api");
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    assertThat(hpa.getSpec().getMetrics())
        .extracting(m -> m.getResource().getName())
        .containsExactly("cpu", "memory");
    assertThat(hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization())
        .isEqualTo(70);
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds())
        .isEqualTo(60);
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getPolicies().get(0).getType())
        .isEqualTo("Pods");
  }

  @Test
  void cpuAndMemoryListedAsMetricsBecomeTheHpasTargets() {
    HorizontalPodAutoscaler hpa =
        ApiHpa.hpa(
            Fixtures.service(
                """
        image: app
        api:
          autoscaling:
            minReplicas: 1
            maxReplicas: 6
            metrics: [{type: cpu, target: 65}, {type: memory, target: 85}]
        """));
    assertThat(hpa.getSpec().getMetrics())
        .extracting(
            m -> m.getType(),
            m -> m.getResource().getName(),
            m -> m.getResource().getTarget().getType(),
            m -> m.getResource().getTarget().getAverageUtilization())
        .containsExactly(
            tuple("Resource", "cpu", "Utilization", 65),
            tuple("Resource", "memory", "Utilization", 85));
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
  }
}
