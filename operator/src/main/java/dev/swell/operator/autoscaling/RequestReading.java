package dev.swell.operator.autoscaling;

import dev.swell.operator.autoscaling.RequestTarget.Signal;
import java.util.Map;

/** One read of the api pods' metrics. */
public sealed interface RequestReading {

  /** What each signal read; a signal missing from the map could not be read at all. */
  record Observed(Map<Signal, Value> values) implements RequestReading {
    public Observed {
      values = Map.copyOf(values);
    }
  }

  /** Nothing could be read (no pod answered, the metrics API failed). */
  record Failed(String reason) implements RequestReading {}

  /**
   * @param value per pod, the average over the pods that answered (latency: the percentile over
   *     their requests in the interval, 0 when there were none)
   * @param answered pods that gave a value
   * @param missing pods counted as replicas that gave none (not Ready yet, no answer, no second
   *     sample to take a rate from): as the HPA does, they count as idle when the load asks for
   *     more and as at the target when it asks for less
   */
  record Value(double value, int answered, int missing) {}
}
