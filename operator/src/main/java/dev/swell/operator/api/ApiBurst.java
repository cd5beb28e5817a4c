package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Knative's panic mode: when the load asks for this many times the replicas running, scale up at
 * once (past the scale-up policies, up to maxReplicas) and remove none until it has calmed for the
 * duration.
 */
public class ApiBurst {

  @Min(110)
  @Max(1000)
  @Default("" + Defaults.BURST_THRESHOLD)
  @JsonPropertyDescription(
      "Percent of the running replicas the load must ask for to start a burst. Default 200.")
  public Integer threshold = Defaults.BURST_THRESHOLD;

  @Pattern(Patterns.DURATION)
  @ValidationRule(
      value = "duration(self) >= duration('1s') && duration(self) <= duration('1h')",
      message = "must be between 1s and 1h")
  @Default(Defaults.BURST_DURATION)
  @JsonPropertyDescription(
      "How long after the last burst step no replica is removed, 1s to 1h. Default 60s.")
  public String duration = Defaults.BURST_DURATION;
}
