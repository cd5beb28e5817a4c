package dev.swell.operator.autoscaling;

/**
 * The outcome of one evaluation: the replicas before and after, why, and the history to pass to the
 * next evaluation.
 */
public record Decision(int from, int to, Reason reason, String message, ScalingHistory history) {

  public enum Reason {
    /** desired = ceil(work / target), within tolerance and policies. */
    Backlog,
    /**
     * the api's metrics (requests per second, concurrency, latency, cpu, memory) asked for it: the
     * most replicas any of them asks for.
     */
    Metrics,
    /** the load jumped past the burst threshold: up at once, none removed until it calms. */
    Burst,
    /** the drain-time target asked for more than the backlog target. */
    DrainTime,
    /**
     * the count is held: inside the tolerance, a stabilization window, or the activation threshold.
     */
    Hold,
    /** a scaling policy limited the change. */
    RateLimited,
    /** the count was brought into [minReplicas, maxReplicas]. */
    Bounds,
    /** idle for the cooldown: going to zero, at the scale-down policy's pace. */
    ScaleToZero,
    /** idle, but still inside the cooldown: one replica stays. */
    Cooldown,
    /**
     * the backlog could not be read; fallback replicas, or the count held until enough failures.
     */
    Fallback,
    /** the swell.dev/paused annotation froze the count. */
    Paused
  }

  public boolean changes() {
    return from != to;
  }
}
