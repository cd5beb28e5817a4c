package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** What the worker runs while its queue cannot be read. */
public class FallbackSpec {
  @Required
  @Min(0)
  @Max(1000)
  @JsonPropertyDescription(
      "Replicas to run while the backlog cannot be read (also from 0 replicas).")
  public Integer replicas;

  @Min(1)
  @Max(1000)
  @Default("" + Defaults.FALLBACK_AFTER_FAILURES)
  @JsonPropertyDescription("Consecutive failed reads before falling back. Default 3.")
  public Integer afterFailures = Defaults.FALLBACK_AFTER_FAILURES;
}
