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
        rules(a.behavior == null ? null : a.behavior.getScaleUp(), ScalingRules.DEFAULT_UP),
        rules(a.behavior == null ? null : a.behavior.getScaleDown(), ScalingRules.DEFAULT_DOWN),
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

  /** The HPA's defaulting: each field missing from the given rules comes from the default rules. */
  static ScalingRules rules(HPAScalingRules given, ScalingRules defaults) {
    if (given == null) {
      return defaults;
    }
    int window =
        given.getStabilizationWindowSeconds() == null
            ? defaults.stabilizationWindowSeconds()
            : given.getStabilizationWindowSeconds();
    ScalingRules.Select select =
        given.getSelectPolicy() == null
            ? defaults.select()
            : parse(ScalingRules.Select.class, given.getSelectPolicy(), "selectPolicy");
    List<ScalingPolicy> policies =
        given.getPolicies() == null || given.getPolicies().isEmpty()
            ? defaults.policies()
            : given.getPolicies().stream().map(QueueTargets::policy).toList();
    double tolerance =
        given.getTolerance() == null ? defaults.tolerance() : tolerance(given.getTolerance());
    return new ScalingRules(window, select, policies, tolerance);
  }

  private static double tolerance(Quantity q) {
    double value;
    try {
      value = q.getNumericalAmount().doubleValue();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "spec.worker.autoscaling.behavior: tolerance must be a quantity such as 0.05,"
              + " got \""
              + q
              + "\"");
    }
    if (!(value >= 0)) {
      throw new IllegalArgumentException(
          "spec.worker.autoscaling.behavior: tolerance must be >= 0, got " + q);
    }
    return value;
  }

  private static ScalingPolicy policy(HPAScalingPolicy p) {
    return new ScalingPolicy(
        parse(ScalingPolicy.Type.class, p.getType(), "policies[].type"),
        p.getValue(),
        p.getPeriodSeconds());
  }

  /**
   * The schema of HPAScalingRules (from the HPA's API) leaves these strings open: say what is
   * allowed.
   */
  private static <E extends Enum<E>> E parse(Class<E> type, String value, String field) {
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "spec.worker.autoscaling.behavior: "
              + field
              + " must be one of "
              + Arrays.toString(type.getEnumConstants())
              + ", got \""
              + value
              + "\"");
    }
  }
}
