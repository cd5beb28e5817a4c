package dev.swell.operator.events;

/** Every reason the operator writes on an Event, and whether it is a Warning. */
public enum EventReason {
  /** The worker's replica count changed from a queue decision. */
  ScaledWorkers(false),
  /** The api's replica count changed from a decision on its metrics. */
  ScaledApi(false),
  /** The api pods' metrics could not be read (the message says why): the count holds. */
  ApiMetricsUnreadable(true),
  /** The api pods' metrics can be read again after failures. */
  ApiMetricsReadable(false),
  /** Busy workers were given a pod-deletion-cost before a scale-down. */
  ProtectedBusyWorkers(false),
  /**
   * The backlog could not be read (the message says why); fallback replicas follow after enough
   * failures.
   */
  BacklogUnreadable(true),
  /** The backlog can be read again after failures. */
  BacklogReadable(false),
  /** A Secret the spec refers to (external Redis password) is missing. */
  SecretNotFound(true),
  /**
   * The external Redis cannot be used as given: its password Secret does not allow Swell, or its
   * host is outside the operator's ALLOWED_REDIS_HOSTS.
   */
  RedisNotAllowed(true),
  /** The placement cannot be satisfied by the cluster's nodes as they are. */
  PlacementInfeasible(true),
  /** Scaling is frozen by the swell.dev/paused annotation. */
  Paused(false),
  /** Scaling resumed after the pause annotation was removed. */
  Resumed(false),
  /** A setting the schema accepts cannot be used (it is named); the last good one stays. */
  InvalidSpec(true),
  /** An object with a child's name exists that Swell did not make: it is left alone. */
  ChildConflict(true),
  /** A child could not be created or updated. */
  ReconcileFailed(true),
  /** Every component is available. */
  Ready(false);

  private final boolean warning;

  EventReason(boolean warning) {
    this.warning = warning;
  }

  public String type() {
    return warning ? "Warning" : "Normal";
  }
}
