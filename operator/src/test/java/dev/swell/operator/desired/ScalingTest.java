package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;

class ScalingTest {

  @Test
  void theHpaTargetsTheApiOnCpuAndMemoryWithBehaviorPassedThrough() {
    HorizontalPodAutoscaler hpa = Scaling.apiHpa(Fixtures.service("""
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
    assertThat(hpa.getSpec().getMetrics()).extracting(m -> m.getResource().getName()).containsExactly("cpu", "memory");
    assertThat(hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization()).isEqualTo(70);
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds()).isEqualTo(60);
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getPolicies().get(0).getType()).isEqualTo("Pods");
  }

  @Test
  void budgetsExistOnlyWhereTwoOrMoreReplicasCanRun() {
    assertThat(Scaling.apiNeedsBudget(Fixtures.service("image: app\napi: {replicas: 1}"))).isFalse();
    assertThat(Scaling.apiNeedsBudget(Fixtures.service("image: app\napi: {replicas: 2}"))).isTrue();
    assertThat(Scaling.apiNeedsBudget(Fixtures.service(
        "image: app\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, cpuUtilization: 50}}"))).isTrue();
    assertThat(Scaling.workerNeedsBudget(Fixtures.service(
        "image: app\nworker: {queue: {key: q}, autoscaling: {maxReplicas: 1}}"))).isFalse();
    assertThat(Scaling.workerNeedsBudget(Fixtures.service("image: app\nworker: {queue: {key: q}}"))).isTrue();
    assertThat(Scaling.workerNeedsBudget(Fixtures.service(
        "image: app\nworker: {enabled: false, queue: {key: q}}"))).isFalse();
  }

  @Test
  void theApiKeepsOnePodAndWorkersDrainOneAtATimeByDefault() {
    ScalableService s = Fixtures.service("image: app\napi: {replicas: 3}\nworker: {queue: {key: q}}");
    assertThat(Scaling.apiBudget(s).getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
    assertThat(Scaling.apiBudget(s).getSpec().getMaxUnavailable()).isNull();
    assertThat(Scaling.workerBudget(s).getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    assertThat(Scaling.workerBudget(s).getSpec().getMinAvailable()).isNull();
  }

  @Test
  void aGivenBudgetReplacesTheDefault() {
    ScalableService s = Fixtures.service("image: app\napi: {replicas: 3, disruptionBudget: {maxUnavailable: 50%}}");
    assertThat(Scaling.apiBudget(s).getSpec().getMaxUnavailable()).isEqualTo(new IntOrString("50%"));
    assertThat(Scaling.apiBudget(s).getSpec().getMinAvailable()).isNull();
  }
}
