package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Cache-aside settings of the api. */
public class CacheSpec {
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("How long a cached entry lives, e.g. 300s or 5m. Default 300s.")
  public String ttl;
}
