package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** One signal the api is scaled on, with its target per pod. */
@ValidationRule(
    value = "self.type != 'latency' || type(self.target) == string",
    message = "a latency target is a duration, e.g. 200ms",
    fieldPath = ".target")
@ValidationRule(
    value = "self.type == 'latency' || type(self.target) == int",
    message = "this target is a whole number > 0",
    fieldPath = ".target")
@ValidationRule(
    value = "!(self.type in ['cpu', 'memory']) || type(self.target) == int && self.target <= 1000",
    message = "a cpu or memory target is a percent of the request, 1 to 1000",
    fieldPath = ".target")
@ValidationRule(
    value = "self.type == 'latency' || !has(self.percentile)",
    message = "percentile applies to latency only",
    fieldPath = ".percentile")
public class ApiMetric {

  /** What is measured. */
  public enum Type {
    requestsPerSecond,
    concurrency,
    latency,
    cpu,
    memory;

    /** Read by Swell from the pods; cpu and memory come from the metrics API. */
    public boolean fromPods() {
      return this == requestsPerSecond || this == concurrency || this == latency;
    }
  }

  @Required
  @JsonPropertyDescription(
      "requestsPerSecond, concurrency (requests in flight), latency (a percentile of the request"
          + " duration), cpu or memory (utilization, percent of the request).")
  public Type type;

  @Required
  @ValidationRule(
      value =
          "type(self) == int ? self > 0 && self <= 1000000 : self.size() <= 16 && duration(self) >= duration('1ms') && duration(self) <= duration('60s')",
      message =
          "must be a whole number from 1 to 1000000, or for latency a duration from 1ms to 60s such"
              + " as 200ms")
  @JsonPropertyDescription(
      "Target per pod: requests per second, requests in flight, percent of the CPU or memory"
          + " request; for latency a duration (200ms) the percentile should stay under.")
  public IntOrString target;

  @ValidationRule(
      value = "self > 0.0 && self < 100.0",
      message = "percentile must be above 0 and below 100")
  @JsonPropertyDescription("The latency percentile, above 0 and below 100. Default 95.")
  public Double percentile;
}
