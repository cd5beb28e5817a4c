package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

/** The api's request autoscaler as the reconciler sees it: a loop per ScalableService. */
public interface ApiScaling {

  /**
   * Starts or updates the api loop of this ScalableService and returns what it last saw and did;
   * null before its first evaluation.
   *
   * @throws IllegalArgumentException for settings the schema let through but the scaler cannot use
   *     (the loop keeps its last good ones)
   */
  ApiScalingSnapshot track(ScalableService service);

  /** What the loop of a ScalableService last saw and did, or null when it has none. */
  ApiScalingSnapshot snapshot(ResourceID service);

  /** Stops the loop of a ScalableService whose api is gone or no longer scaled by Swell. */
  void forget(ResourceID service);

  /** Where the loops ask JOSDK to reconcile a ScalableService's status; null if they never do. */
  default EventSource<?, ScalableService> eventSource() {
    return null;
  }
}
