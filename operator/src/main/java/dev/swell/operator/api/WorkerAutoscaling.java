package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;

/** The operator's own queue autoscaler for the worker. */
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "spec.worker.autoscaling.minReplicas must be <= maxReplicas",
    fieldPath = ".minReplicas")
@ValidationRule(
    value =
        "!has(self.fallback) || !has(self.fallback.replicas) || self.fallback.replicas <= self.maxReplicas",
    message = "spec.worker.autoscaling.fallback.replicas must be <= maxReplicas",
    fieldPath = ".fallback")
@ValidationRule(
    value =
        "!has(self.fallback) || !has(self.fallback.replicas) || self.fallback.replicas >= self.minReplicas",
    message = "spec.worker.autoscaling.fallback.replicas must be >= minReplicas",
    fieldPath = ".fallback")
@ValidationRule(
    value =
        "duration(self.pollInterval) >= duration('100ms') && duration(self.pollInterval) <= duration('60s')",
    message = "spec.worker.autoscaling.pollInterval must be between 100ms and 60s",
    fieldPath = ".pollInterval")
public class WorkerAutoscaling {

  @Min(0)
  @Max(1000)
  @Default("" + Defaults.MIN_WORKERS)
  @JsonPropertyDescription("Fewest replicas; 0 scales to zero when the queue is idle. Default 0.")
  public Integer minReplicas = Defaults.MIN_WORKERS;

  @Min(1)
  @Max(1000)
  @Default("" + Defaults.MAX_WORKERS)
  @JsonPropertyDescription("Most replicas (>= minReplicas). Default 10.")
  public Integer maxReplicas = Defaults.MAX_WORKERS;

  @Pattern(Patterns.DURATION)
  @Default(Defaults.POLL_INTERVAL)
  @JsonPropertyDescription("How often the backlog is read, 100ms to 60s. Default 1s.")
  public String pollInterval = Defaults.POLL_INTERVAL;

  @Pattern(Patterns.DURATION)
  @Default(Defaults.COOLDOWN)
  @JsonPropertyDescription(
      "Idle time (no backlog, nothing in flight) before scaling to minReplicas 0. Default 300s.")
  public String cooldown = Defaults.COOLDOWN;

  @JsonPropertyDescription(
      "Scale-up and scale-down rules, same schema and meaning as the HPA's behavior (autoscaling/v2): stabilizationWindowSeconds, selectPolicy, policies and tolerance per direction. HPA defaults when absent (tolerance 0.1).")
  public HorizontalPodAutoscalerBehavior behavior;

  @JsonPropertyDescription("Replicas to run while the backlog cannot be read.")
  public FallbackSpec fallback;
}
