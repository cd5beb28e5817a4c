package dev.swell.operator.autoscaling;

import java.time.Duration;
import java.util.List;

/**
 * What the api should be scaled to, from the ScalableService's spec.
 *
 * @param minReplicas fewest replicas (>= 1)
 * @param maxReplicas most replicas
 * @param metrics the signals and their targets per pod
 * @param scaleUp the HPA-style rules for adding replicas
 * @param scaleDown the HPA-style rules for removing replicas
 * @param burst the burst mode, null for none
 */
public record RequestTarget(
    int minReplicas,
    int maxReplicas,
    List<Metric> metrics,
    ScalingRules scaleUp,
    ScalingRules scaleDown,
    Burst burst) {

  /** What is measured: per pod, except latency (a percentile over every pod's requests). */
  public enum Signal {
    requestsPerSecond,
    concurrency,
    latency,
    cpu,
    memory;

    /** Read from the pods' metrics endpoint; cpu and memory come from the metrics API. */
    public boolean fromPods() {
      return this == requestsPerSecond || this == concurrency || this == latency;
    }
  }

  /**
   * @param signal what is measured
   * @param target the value per pod (latency: seconds; cpu and memory: percent of the request)
   * @param percentile for latency, the percentile (0, 100); else ignored
   */
  public record Metric(Signal signal, double target, double percentile) {
    public Metric {
      if (!(target > 0) || signal == Signal.latency && !(percentile > 0 && percentile < 100)) {
        throw new IllegalArgumentException(
            "invalid " + signal + " target " + target + " (percentile " + percentile + ")");
      }
    }

    /** How the status and events name it: concurrency, latency p95. */
    public String label() {
      return signal == Signal.latency
          ? "latency p"
              + (percentile == Math.rint(percentile) ? "" + (long) percentile : percentile)
          : signal.name();
    }
  }

  /**
   * @param threshold how many times the running replicas the load must ask for (2.0: double)
   * @param duration how long after the last such step no replica is removed
   */
  public record Burst(double threshold, Duration duration) {}

  public RequestTarget {
    if (minReplicas < 1 || maxReplicas < minReplicas || metrics.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid target: min " + minReplicas + ", max " + maxReplicas + ", metrics " + metrics);
    }
    metrics = List.copyOf(metrics);
  }

  Behavior.Limits limits() {
    return new Behavior.Limits(minReplicas, maxReplicas, scaleUp, scaleDown);
  }
}
