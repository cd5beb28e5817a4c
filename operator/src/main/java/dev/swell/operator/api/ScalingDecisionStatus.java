package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One scaling decision, as the status shows it. */
public class ScalingDecisionStatus {
  @JsonPropertyDescription("When it was made (RFC 3339).")
  public String time;

  @JsonPropertyDescription("Replicas before.")
  public Integer from;

  @JsonPropertyDescription("Replicas after.")
  public Integer to;

  @JsonPropertyDescription("Why, e.g. \"backlog 97 / target 20\".")
  public String reason;
}
