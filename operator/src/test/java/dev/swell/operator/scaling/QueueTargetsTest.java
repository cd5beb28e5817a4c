package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.swell.operator.Fixtures;
import dev.swell.operator.autoscaling.QueueTarget;
import dev.swell.operator.autoscaling.ScalingPolicy;
import dev.swell.operator.autoscaling.ScalingRules;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueueTargetsTest {

  static QueueTarget target(String worker) {
    return QueueTargets.from(
        Fixtures.service("image: a\nredis: {}\nworker:\n" + worker.indent(2)).getSpec().worker);
  }

  @Test
  void anEmptyAutoscalingSectionGetsTheDefaultsAndTheHpasBehavior() {
    QueueTarget t = target("queue: {key: q}");
    assertThat(t.minReplicas()).isZero();
    assertThat(t.maxReplicas()).isEqualTo(10);
    assertThat(t.targetBacklogPerReplica()).isEqualTo(20);
    assertThat(t.cooldown()).isEqualTo(Duration.ofSeconds(300));
    assertThat(t.scaleUp()).isEqualTo(ScalingRules.DEFAULT_UP);
    assertThat(t.scaleDown()).isEqualTo(ScalingRules.DEFAULT_DOWN);
    assertThat(t.fallbackReplicas()).isNull();
  }

  @Test
  void behaviorFieldsLeftOutComeFromTheHpaDefaultsOneByOne() {
    QueueTarget t =
        target(
            """
        queue: {key: q, targetBacklogPerReplica: 5, drainTime: 1m}
        autoscaling:
          cooldown: 90s
          behavior:
            scaleDown: {policies: [{type: Pods, value: 2, periodSeconds: 30}]}
            scaleUp: {stabilizationWindowSeconds: 10, selectPolicy: Min}
          fallback: {replicas: 2}
        """);
    assertThat(t.scaleDown().stabilizationWindowSeconds())
        .as("the HPA's default down window")
        .isEqualTo(300);
    assertThat(t.scaleDown().policies())
        .containsExactly(new ScalingPolicy(ScalingPolicy.Type.Pods, 2, 30));
    assertThat(t.scaleUp().stabilizationWindowSeconds()).isEqualTo(10);
    assertThat(t.scaleUp().select()).isEqualTo(ScalingRules.Select.Min);
    assertThat(t.scaleUp().policies()).isEqualTo(ScalingRules.DEFAULT_UP.policies());
    assertThat(t.drainTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(t.cooldown()).isEqualTo(Duration.ofSeconds(90));
    assertThat(t.fallbackReplicas()).isEqualTo(2);
    assertThat(t.fallbackAfterFailures()).isEqualTo(3);
  }

  @Test
  void aPolicyTypeTheHpaDoesNotKnowIsNamedInTheError() {
    assertThatThrownBy(
            () ->
                target(
                    """
        queue: {key: q}
        autoscaling: {behavior: {scaleUp: {policies: [{type: pods, value: 1, periodSeconds: 5}]}}}
        """))
        .hasMessageContaining(
            "spec.worker.autoscaling.behavior.scaleUp.policies[0].type must be one of [Pods, Percent]")
        .hasMessageContaining("\"pods\"");
  }

  @Test
  void eachDirectionTakesItsOwnToleranceAndKeepsTheDefaultOtherwise() {
    QueueTarget t =
        target(
            """
        queue: {key: q}
        autoscaling: {behavior: {scaleUp: {tolerance: "0.05"}, scaleDown: {tolerance: 250m}}}
        """);
    assertThat(t.scaleUp().tolerance()).isEqualTo(0.05);
    assertThat(t.scaleDown().tolerance()).isEqualTo(0.25);
    assertThat(
            target("queue: {key: q}\nautoscaling: {behavior: {scaleUp: {}}}").scaleUp().tolerance())
        .isEqualTo(ScalingRules.DEFAULT_TOLERANCE);
  }

  @Test
  void aNegativeToleranceIsNamedInTheError() {
    assertThatThrownBy(
            () ->
                target(
                    "queue: {key: q}\nautoscaling: {behavior: {scaleDown: {tolerance: \"-0.1\"}}}"))
        .hasMessageContaining("spec.worker.autoscaling.behavior.scaleDown.tolerance must be >= 0");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a policy without value | scaleUp: {policies: [{type: Pods, periodSeconds: 5}]}"
            + " | behavior.scaleUp.policies[0].value must be > 0",
        "an empty policy | scaleDown: {policies: [{}]} | behavior.scaleDown.policies[0].type is required",
        "a type the HPA does not have | scaleUp: {policies: [{type: Replicas, value: 1, periodSeconds: 5}]}"
            + " | behavior.scaleUp.policies[0].type must be one of [Pods, Percent]",
        "a zero period | scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 0}]}"
            + " | behavior.scaleUp.policies[0].periodSeconds must be 1 to 1800",
        "a second policy with a negative value"
            + " | scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 5}, {type: Percent, value: -5, periodSeconds: 5}]}"
            + " | behavior.scaleDown.policies[1].value must be > 0",
        "a window of a day | scaleDown: {stabilizationWindowSeconds: 86400}"
            + " | behavior.scaleDown.stabilizationWindowSeconds must be 0 to 3600",
        "a select policy in lower case | scaleUp: {selectPolicy: max}"
            + " | behavior.scaleUp.selectPolicy must be one of [Max, Min, Disabled]",
      })
  void behaviorTheHpaWouldRefuseIsNamedField(String name, String behavior, String message) {
    assertThatThrownBy(() -> target("queue: {key: q}\nautoscaling: {behavior: {" + behavior + "}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.worker.autoscaling." + message);
  }
}
