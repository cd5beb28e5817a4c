package dev.swell.operator.autoscaling;

/** One read of the queue: a success with its numbers, or a failure with its reason. */
public sealed interface QueueReading {

  /**
   * @param backlog items waiting in the queue
   * @param inFlight items taken by workers and not yet finished
   * @param throughputPerReplica items per second one replica finishes, NaN when unknown
   */
  record Observed(long backlog, long inFlight, double throughputPerReplica)
      implements QueueReading {}

  record Failed(String reason) implements QueueReading {}
}
