package dev.swell.operator.scaling;

import java.time.Instant;

/**
 * What the queue autoscaler last saw and did for one ScalableService, for its status.
 *
 * @param backlog items waiting at the last successful read, null before the first
 * @param inFlight items being processed at the last successful read
 * @param desiredReplicas the replicas the autoscaler wants now
 * @param lastChange the last decision that changed the replicas, null if never
 * @param readError why the last read failed, null when it succeeded
 * @param fallback whether fallback replicas are in use
 * @param paused whether the paused annotation froze the count
 */
public record WorkerScalingSnapshot(
    Long backlog,
    Long inFlight,
    Integer desiredReplicas,
    Change lastChange,
    String readError,
    boolean fallback,
    boolean paused) {

  /** One change of the replica count and its reason. */
  public record Change(Instant time, int from, int to, String reason) {}

  public boolean readFailing() {
    return readError != null;
  }
}
