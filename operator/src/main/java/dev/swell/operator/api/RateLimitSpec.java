package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** A per-client token bucket, shared by all api replicas through Redis. */
@ValidationRule(
    value =
        "!has(self.burst) || !has(self.requestsPerSecond) || self.burst >= self.requestsPerSecond",
    message = "spec.api.rateLimit.burst must be >= requestsPerSecond",
    fieldPath = ".burst")
public class RateLimitSpec {
  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription("Tokens added per second and client. Default 50.")
  public Integer requestsPerSecond;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription(
      "Bucket size: the largest burst a client may send. Default 2 x requestsPerSecond.")
  public Integer burst;
}
