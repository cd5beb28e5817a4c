package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.queue.RedisConnection;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

/** The queue autoscaler as the reconciler sees it: keep a loop per ScalableService up to date. */
public interface WorkerScaling {

  /**
   * Starts or updates the scaling loop of this ScalableService (its spec, annotations and Redis)
   * and returns what the loop last saw and did; null before its first evaluation.
   */
  WorkerScalingSnapshot track(ScalableService service, RedisConnection redis);

  /** What the loop of a ScalableService last saw and did, or null when it has none. */
  WorkerScalingSnapshot snapshot(ResourceID service);

  /** Stops the loop of a ScalableService whose worker is gone or disabled. */
  void forget(ResourceID service);

  /** Where the loops ask JOSDK to reconcile a ScalableService's status; null if they never do. */
  default EventSource<?, ScalableService> eventSource() {
    return null;
  }
}
