package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.util.List;

/** How the api is scaled: by an HPA on CPU and memory, or by Swell on what the pods report. */
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "spec.api.autoscaling.minReplicas must be <= maxReplicas",
    fieldPath = ".minReplicas")
@ValidationRule(
    value =
        "has(self.cpuUtilization) || has(self.memoryUtilization) || has(self.metrics) && size(self.metrics) > 0",
    message = "spec.api.autoscaling needs metrics, cpuUtilization or memoryUtilization")
@ValidationRule(
    value =
        "!has(self.metrics) || !(has(self.cpuUtilization) && self.metrics.exists(m, m.type == 'cpu') || has(self.memoryUtilization) && self.metrics.exists(m, m.type == 'memory'))",
    message = "spec.api.autoscaling: cpu or memory is set twice, in metrics and as *Utilization",
    fieldPath = ".metrics")
@ValidationRule(
    value =
        "!(has(self.pollInterval) || has(self.burst) || has(self.scrape)) || has(self.metrics) && self.metrics.exists(m, m.type in ['requestsPerSecond', 'concurrency', 'latency'])",
    message =
        "spec.api.autoscaling: pollInterval, burst and scrape need a metric Swell reads (requestsPerSecond, concurrency or latency); with cpu and memory only, the HPA scales the api")
@ValidationRule(
    value =
        "!has(self.pollInterval) || duration(self.pollInterval) >= duration('100ms') && duration(self.pollInterval) <= duration('60s')",
    message = "spec.api.autoscaling.pollInterval must be between 100ms and 60s",
    fieldPath = ".pollInterval")
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

  @Size(max = 5)
  @ValidationRule(
      value = "self.all(m, self.exists_one(n, n.type == m.type))",
      message = "each metric type at most once")
  @JsonPropertyDescription(
      "What the api is scaled on, each with a target per pod; several combine as the HPA's do"
          + " (the most replicas any asks for). With requestsPerSecond, concurrency or latency,"
          + " Swell scales the api itself from the pods' metrics endpoint every pollInterval (no"
          + " HPA), and reads cpu and memory from the metrics API; with cpu and memory only, an HPA"
          + " does.")
  public List<ApiMetric> metrics;

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "How often Swell reads the pods' metrics, 100ms to 60s; only with a metric Swell reads."
          + " Default 1s.")
  public String pollInterval;

  @JsonPropertyDescription(
      "Where the pods' metrics are read; only with a metric Swell reads. Default: port"
          + " spec.api.port, path /metrics, histogram http_server_requests_seconds.")
  public ApiScrape scrape;

  @JsonPropertyDescription(
      "Scale up at once when the load jumps (Knative's panic mode); only with a metric Swell"
          + " reads. Absent: no burst mode.")
  public ApiBurst burst;

  @JsonPropertyDescription(
      "Scale-up and scale-down rules, autoscaling/v2 HorizontalPodAutoscalerBehavior: passed"
          + " to the HPA, or applied by Swell with the HPA's meaning when it scales the api.")
  public HorizontalPodAutoscalerBehavior behavior;

  /** Whether Swell scales the api (a metric it reads from the pods), not an HPA. */
  public boolean bySwell() {
    return metrics != null && metrics.stream().anyMatch(m -> m.type != null && m.type.fromPods());
  }
}
