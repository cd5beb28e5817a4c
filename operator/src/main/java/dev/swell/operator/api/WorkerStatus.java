package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The worker's replica counts and what the queue autoscaler saw and decided. */
public class WorkerStatus extends ComponentStatus {
  @JsonPropertyDescription("Items waiting in the queue at the last read.")
  public Long backlog;

  @JsonPropertyDescription("Items taken by workers and not yet finished, at the last read.")
  public Long inFlight;

  @JsonPropertyDescription("When the operator last changed the worker's replicas (RFC 3339).")
  public String lastScaleTime;

  @JsonPropertyDescription("The last decision that changed the replica count.")
  public ScalingDecisionStatus lastDecision;
}
