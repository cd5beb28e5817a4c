package dev.swell.operator.autoscaling;

import java.time.Duration;

/**
 * What the worker should be scaled to, from the ScalableService's spec.
 *
 * @param minReplicas fewest replicas; 0 allows scale to zero
 * @param maxReplicas most replicas
 * @param targetBacklogPerReplica work (waiting + in flight) each replica should carry
 * @param activationBacklog from 0 replicas, activate only when the backlog is above this
 * @param drainTime replicas enough to drain the backlog in this time at the measured throughput;
 *     null: no such target
 * @param cooldown idle time (no backlog, nothing in flight) before scaling to zero
 * @param scaleUp the HPA-style rules for adding replicas
 * @param scaleDown the HPA-style rules for removing replicas
 * @param fallbackReplicas replicas while the backlog cannot be read; null: keep the count
 * @param fallbackAfterFailures consecutive failed reads before falling back
 */
public record QueueTarget(
    int minReplicas,
    int maxReplicas,
    long targetBacklogPerReplica,
    long activationBacklog,
    Duration drainTime,
    Duration cooldown,
    ScalingRules scaleUp,
    ScalingRules scaleDown,
    Integer fallbackReplicas,
    int fallbackAfterFailures) {

  Behavior.Limits limits() {
    return new Behavior.Limits(minReplicas, maxReplicas, scaleUp, scaleDown);
  }

  public QueueTarget {
    if (minReplicas < 0 || maxReplicas < Math.max(1, minReplicas) || targetBacklogPerReplica < 1) {
      throw new IllegalArgumentException(
          "invalid target: min "
              + minReplicas
              + ", max "
              + maxReplicas
              + ", targetBacklogPerReplica "
              + targetBacklogPerReplica);
    }
  }
}
