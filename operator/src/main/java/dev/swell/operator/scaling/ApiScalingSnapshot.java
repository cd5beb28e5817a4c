package dev.swell.operator.scaling;

import dev.swell.operator.autoscaling.RequestScaler.MetricOutcome;
import java.time.Instant;
import java.util.List;

/**
 * What the api's request autoscaler last saw and did for one ScalableService, for its status.
 *
 * @param desiredReplicas the replicas it wants now
 * @param metrics each metric's value (null when unreadable), target and the replicas it asks for
 * @param lastChange the last decision that changed the replicas, null if never
 * @param readError why the pods' metrics could not be read, null when they could
 * @param burstUntil until when a burst holds the replicas, null outside one
 * @param paused whether the paused annotation froze the count
 */
public record ApiScalingSnapshot(
    Integer desiredReplicas,
    List<MetricOutcome> metrics,
    WorkerScalingSnapshot.Change lastChange,
    String readError,
    Instant burstUntil,
    boolean paused) {

  public ApiScalingSnapshot {
    metrics = List.copyOf(metrics);
  }
}
