package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.IntOrString;
import org.junit.jupiter.api.Test;

class DisruptionBudgetsTest {

  @Test
  void budgetsExistOnlyWhereTwoOrMoreReplicasCanRun() {
    assertThat(DisruptionBudgets.apiNeeded(Fixtures.service("image: app\napi: {replicas: 1}")))
        .isFalse();
    assertThat(DisruptionBudgets.apiNeeded(Fixtures.service("image: app\napi: {replicas: 2}")))
        .isTrue();
    assertThat(
            DisruptionBudgets.apiNeeded(
                Fixtures.service(
                    "image: app\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, cpuUtilization: 50}}")))
        .isTrue();
    assertThat(
            DisruptionBudgets.workerNeeded(
                Fixtures.service(
                    "image: app\nworker: {queue: {key: q}, autoscaling: {maxReplicas: 1}}")))
        .isFalse();
    assertThat(
            DisruptionBudgets.workerNeeded(
                Fixtures.service("image: app\nworker: {queue: {key: q}}")))
        .isTrue();
    assertThat(
            DisruptionBudgets.workerNeeded(
                Fixtures.service("image: app\nworker: {enabled: false, queue: {key: q}}")))
        .isFalse();
  }

  @Test
  void theApiKeepsOnePodAndWorkersDrainOneAtATimeByDefault() {
    ScalableService s =
        Fixtures.service("image: app\napi: {replicas: 3}\nworker: {queue: {key: q}}");
    assertThat(DisruptionBudgets.api(s).getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
    assertThat(DisruptionBudgets.api(s).getSpec().getMaxUnavailable()).isNull();
    assertThat(DisruptionBudgets.worker(s).getSpec().getMaxUnavailable())
        .isEqualTo(new IntOrString(1));
    assertThat(DisruptionBudgets.worker(s).getSpec().getMinAvailable()).isNull();
  }

  @Test
  void aGivenBudgetReplacesTheDefault() {
    ScalableService s =
        Fixtures.service("image: app\napi: {replicas: 3, disruptionBudget: {maxUnavailable: 50%}}");
    assertThat(DisruptionBudgets.api(s).getSpec().getMaxUnavailable())
        .isEqualTo(new IntOrString("50%"));
    assertThat(DisruptionBudgets.api(s).getSpec().getMinAvailable()).isNull();
  }
}
