package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The api's replica counts and, when Swell scales it, what it read and decided. */
public class ApiStatus extends ComponentStatus {
  @JsonPropertyDescription(
      "Each metric Swell scales the api on: its value at the last read and its target.")
  public List<MetricStatus> metrics;

  @JsonPropertyDescription("When Swell last changed the api's replicas (RFC 3339).")
  public String lastScaleTime;

  @JsonPropertyDescription("The last decision that changed the api's replica count.")
  public ScalingDecisionStatus lastDecision;

  @JsonPropertyDescription("Until when a burst keeps every replica (RFC 3339); absent outside one.")
  public String burstUntil;

  /** One metric's reading. */
  public static class MetricStatus {
    @JsonPropertyDescription("requestsPerSecond, concurrency, latency p95, cpu or memory.")
    public String name;

    @JsonPropertyDescription(
        "The value at the last read, per pod (latency over all pods): 12.5, 180ms, 64%; absent"
            + " when it could not be read.")
    public String current;

    @JsonPropertyDescription("The target, in the same unit.")
    public String target;

    @JsonPropertyDescription("The replicas this metric asks for.")
    public Integer desiredReplicas;
  }
}
