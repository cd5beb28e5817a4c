package dev.swell.operator.scaling;

import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.WorkerAutoscaling;
import dev.swell.operator.api.WorkerSpec;
import dev.swell.operator.autoscaling.QueueTarget;
import dev.swell.operator.autoscaling.ScalingPolicy;
import dev.swell.operator.autoscaling.ScalingRules;
import dev.swell.operator.desired.Components;
import dev.swell.operator.desired.Durations;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The worker's spec as the scaler's target, with the HPA's defaults for behavior fields left out.
 */
public final class QueueTargets {

  static final Duration DEFAULT_POLL = Durations.parse(Defaults.POLL_INTERVAL, null);
  static final Duration DEFAULT_COOLDOWN = Durations.parse(Defaults.COOLDOWN, null);

  private QueueTargets() {}

  public static QueueTarget from(WorkerSpec worker) {
    WorkerAutoscaling a = worker.autoscaling == null ? new WorkerAutoscaling() : worker.autoscaling;
    int min = Components.minWorkers(worker);
    int max = Components.maxWorkers(worker);
    var queue = worker.queue;
    return new QueueTarget(
        min,
        Math.max(max, Math.max(1, min)),
        queue.targetBacklogPerReplica == null
            ? Defaults.TARGET_BACKLOG_PER_REPLICA
            : queue.targetBacklogPerReplica,
        queue.activationBacklog == null ? Defaults.ACTIVATION_BACKLOG : queue.activationBacklog,
        queue.drainTime == null ? null : Durations.parse(queue.drainTime, null),
        Durations.parse(a.cooldown, DEFAULT_COOLDOWN),
        rules(
            BEHAVIOR + ".scaleUp",
            a.behavior == null ? null : a.behavior.getScaleUp(),
            ScalingRules.DEFAULT_UP),
        rules(
            BEHAVIOR + ".scaleDown",
            a.behavior == null ? null : a.behavior.getScaleDown(),
            ScalingRules.DEFAULT_DOWN),
        a.fallback == null ? null : a.fallback.replicas,
        a.fallback == null || a.fallback.afterFailures == null
            ? Defaults.FALLBACK_AFTER_FAILURES
            : a.fallback.afterFailures);
  }

  public static Duration pollInterval(WorkerSpec worker) {
    return worker.autoscaling == null
        ? DEFAULT_POLL
        : Durations.parse(worker.autoscaling.pollInterval, DEFAULT_POLL);
  }

  static final String BEHAVIOR = "spec.worker.autoscaling.behavior";

  /**
   * The HPA's defaulting: each field missing from the given rules (at {@code field}, e.g.
   * spec.worker.autoscaling.behavior.scaleUp) comes from the default rules. What the HPA's own API
   * would refuse (and the CRD, which takes its schema, cannot) is refused here with the field's
   * path: a policy without type, value or period, a value or period out of the HPA's bounds, a
   * window over an hour, a negative tolerance.
   */
  public static ScalingRules rules(String field, HPAScalingRules given, ScalingRules defaults) {
    if (given == null) {
      return defaults;
    }
    int window =
        given.getStabilizationWindowSeconds() == null
            ? defaults.stabilizationWindowSeconds()
            : given.getStabilizationWindowSeconds();
    check(
        window >= 0 && window <= 3600,
        field + ".stabilizationWindowSeconds must be 0 to 3600, got " + window);
    ScalingRules.Select select =
        given.getSelectPolicy() == null
            ? defaults.select()
            : parse(ScalingRules.Select.class, given.getSelectPolicy(), field + ".selectPolicy");
    List<ScalingPolicy> policies = new ArrayList<>();
    List<HPAScalingPolicy> listed = given.getPolicies() == null ? List.of() : given.getPolicies();
    for (int i = 0; i < listed.size(); i++) {
      policies.add(policy(field + ".policies[" + i + "]", listed.get(i)));
    }
    double tolerance =
        given.getTolerance() == null
            ? defaults.tolerance()
            : tolerance(field + ".tolerance", given.getTolerance());
    return new ScalingRules(
        window,
        select,
        policies.isEmpty() ? defaults.policies() : List.copyOf(policies),
        tolerance);
  }

  private static double tolerance(String field, Quantity q) {
    double value;
    try {
      value = q.getNumericalAmount().doubleValue();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          field + " must be a quantity such as 0.05, got \"" + q + "\"");
    }
    check(value >= 0, field + " must be >= 0, got " + q);
    return value;
  }

  private static ScalingPolicy policy(String field, HPAScalingPolicy p) {
    check(p.getType() != null, field + ".type is required (Pods or Percent)");
    check(
        p.getValue() != null && p.getValue() > 0,
        field + ".value must be > 0, got " + p.getValue());
    check(
        p.getPeriodSeconds() != null && p.getPeriodSeconds() > 0 && p.getPeriodSeconds() <= 1800,
        field + ".periodSeconds must be 1 to 1800, got " + p.getPeriodSeconds());
    return new ScalingPolicy(
        parse(ScalingPolicy.Type.class, p.getType(), field + ".type"),
        p.getValue(),
        p.getPeriodSeconds());
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The HPA's API leaves these strings open in its schema: say what is allowed. */
  private static <E extends Enum<E>> E parse(Class<E> type, String value, String field) {
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          field
              + " must be one of "
              + Arrays.toString(type.getEnumConstants())
              + ", got \""
              + value
              + "\"");
    }
  }
}
