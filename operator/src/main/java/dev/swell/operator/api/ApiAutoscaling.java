package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;

/** How the api's HorizontalPodAutoscaler is set. */
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "spec.api.autoscaling.minReplicas must be <= maxReplicas",
    fieldPath = ".minReplicas")
@ValidationRule(
    value = "has(self.cpuUtilization) || has(self.memoryUtilization)",
    message = "spec.api.autoscaling needs cpuUtilization or memoryUtilization")
public class ApiAutoscaling {

  @Required
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Fewest replicas (>= 1).")
  public Integer minReplicas;

  @Required
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Most replicas (>= minReplicas).")
  public Integer maxReplicas;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Target average CPU utilization, percent of the CPU request.")
  public Integer cpuUtilization;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Target average memory utilization, percent of the memory request.")
  public Integer memoryUtilization;

  @JsonPropertyDescription(
      "autoscaling/v2 HorizontalPodAutoscalerBehavior, passed through to the HPA.")
  public HorizontalPodAutoscalerBehavior behavior;
}
