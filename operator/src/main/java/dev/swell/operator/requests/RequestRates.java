package dev.swell.operator.requests;

import dev.swell.operator.autoscaling.RequestReading;
import dev.swell.operator.autoscaling.RequestTarget.Metric;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns successive reads of each api pod's request histogram into what the scaler needs, per pod:
 * requests per second (the count's rate), concurrency (the rate of the seconds' sum: by Little's
 * law, the requests in flight on average over the interval), and over all pods a latency percentile
 * of the requests finished in the interval (from the buckets' increases). A pod read for the first
 * time, or whose counters started over, has no rate until its next read. Keeps one read per pod;
 * not thread-safe (one loop owns it).
 */
public final class RequestRates {

  private record Read(Instant time, RequestHistogram histogram) {}

  /** Rates taken over less than this are noise: the earlier read stays the base. */
  static final Duration SHORTEST = Duration.ofMillis(100);

  private Map<String, Read> previous = new HashMap<>();

  /**
   * The values of the pod signals among the metrics, from this tick's histograms (pod -> its
   * histogram; pods that did not answer are absent), with {@code pods} the pods counted as replicas
   * (Ready or not). Signals with no pod to give a value are left out.
   */
  public Map<Signal, RequestReading.Value> update(
      Instant now, int pods, Map<String, RequestHistogram> read, List<Metric> metrics) {
    Map<String, Read> next = new HashMap<>();
    double requestsPerSecond = 0;
    double concurrency = 0;
    int answered = 0;
    RequestHistogram interval = RequestHistogram.EMPTY;
    for (Map.Entry<String, RequestHistogram> e : read.entrySet()) {
      Read before = previous.get(e.getKey());
      Read current = new Read(now, e.getValue());
      if (before == null) {
        next.put(e.getKey(), current);
        continue;
      }
      Duration span = Duration.between(before.time(), now);
      if (span.compareTo(SHORTEST) < 0) {
        next.put(e.getKey(), before);
        continue;
      }
      next.put(e.getKey(), current);
      RequestHistogram delta = e.getValue().since(before.histogram());
      if (delta == null) {
        continue; // restarted: this read is the new base
      }
      double seconds = span.toNanos() / 1e9;
      requestsPerSecond += delta.count() / seconds;
      concurrency += delta.sum() / seconds;
      interval = interval.plus(delta);
      answered++;
    }
    previous = next;
    Map<Signal, RequestReading.Value> values = new HashMap<>();
    if (answered == 0) {
      return values;
    }
    int missing = Math.max(0, pods - answered);
    for (Metric m : metrics) {
      switch (m.signal()) {
        case requestsPerSecond ->
            values.put(
                m.signal(),
                new RequestReading.Value(requestsPerSecond / answered, answered, missing));
        case concurrency ->
            values.put(
                m.signal(), new RequestReading.Value(concurrency / answered, answered, missing));
        case latency ->
            values.put(
                m.signal(),
                new RequestReading.Value(
                    interval.quantile(m.percentile() / 100.0), answered, missing));
        default -> {} // cpu and memory come from the metrics API
      }
    }
    return values;
  }
}
