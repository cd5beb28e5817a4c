package dev.swell.operator.autoscaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Items per second one replica finishes, from successive reads of the workers' processed counter
 * over a sliding window. A counter that goes down (Redis restarted, key expired) starts the window
 * over instead of producing a negative rate.
 */
public record ThroughputWindow(List<Sample> samples) {

  public record Sample(Instant time, long processed, int replicas) {}

  public static final ThroughputWindow EMPTY = new ThroughputWindow(List.of());

  public ThroughputWindow add(Instant now, long processed, int replicas, Duration span) {
    List<Sample> kept = new ArrayList<>();
    if (samples.isEmpty() || processed >= samples.get(samples.size() - 1).processed()) {
      Instant cutoff = now.minus(span);
      for (Sample s : samples) {
        if (!s.time().isBefore(cutoff)) {
          kept.add(s);
        }
      }
    }
    kept.add(new Sample(now, processed, replicas));
    return new ThroughputWindow(List.copyOf(kept));
  }

  /** NaN until two samples a moment apart with replicas running are known. */
  public double perReplicaPerSecond() {
    if (samples.size() < 2) {
      return Double.NaN;
    }
    Sample first = samples.get(0);
    Sample last = samples.get(samples.size() - 1);
    double seconds = Duration.between(first.time(), last.time()).toMillis() / 1000.0;
    double replicas = samples.stream().mapToInt(Sample::replicas).average().orElse(0);
    if (seconds <= 0 || replicas <= 0) {
      return Double.NaN;
    }
    return (last.processed() - first.processed()) / seconds / replicas;
  }
}
