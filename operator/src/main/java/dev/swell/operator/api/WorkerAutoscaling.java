package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;

/** The operator's own queue autoscaler for the worker. */
@ValidationRule(value = "self.minReplicas <= self.maxReplicas",
    message = "spec.worker.autoscaling.minReplicas must be <= maxReplicas", fieldPath = ".minReplicas")
@ValidationRule(value = "!has(self.fallback) || !has(self.fallback.replicas) || self.fallback.replicas <= self.maxReplicas",
    message = "spec.worker.autoscaling.fallback.replicas must be <= maxReplicas", fieldPath = ".fallback")
@ValidationRule(value = "duration(self.pollInterval) >= duration('100ms') && duration(self.pollInterval) <= duration('60s')",
    message = "spec.worker.autoscaling.pollInterval must be between 100ms and 60s", fieldPath = ".pollInterval")
public class WorkerAutoscaling {

  @Min(0)
  @Max(1000)
  @Default("0")
  @JsonPropertyDescription("Fewest replicas; 0 scales to zero when the queue is idle. Default 0.")
  public Integer minReplicas = 0;

  @Min(1)
  @Max(1000)
  @Default("10")
  @JsonPropertyDescription("Most replicas (>= minReplicas). Default 10.")
  public Integer maxReplicas = 10;

  @Pattern(Patterns.DURATION)
  @Default("1s")
  @JsonPropertyDescription("How often the backlog is read, 100ms to 60s. Default 1s.")
  public String pollInterval = "1s";

  @Pattern(Patterns.DURATION)
  @Default("300s")
  @JsonPropertyDescription("Idle time (no backlog, nothing in flight) before scaling to minReplicas 0. Default 300s.")
  public String cooldown = "300s";

  @JsonPropertyDescription("Scale-up and scale-down rules, same schema and meaning as the HPA's behavior (autoscaling/v2). HPA defaults when absent.")
  public HorizontalPodAutoscalerBehavior behavior;

  @JsonPropertyDescription("Replicas to run while the backlog cannot be read.")
  public FallbackSpec fallback;
}
