package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Cache-aside settings of the api. */
public class CacheSpec {
  @Pattern(Patterns.DURATION)
  @Size(max = 32)
  @ValidationRule(
      value = "duration(self) <= duration('720h')",
      message = "spec.api.cache.ttl must be at most 720h (30 days)")
  @JsonPropertyDescription("How long a cached entry lives, e.g. 300s or 5m. Default 300s.")
  public String ttl;
}
