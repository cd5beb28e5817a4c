package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One topology spread constraint over a component's pods. */
public class SpreadConstraint {

  public enum WhenUnsatisfiable {
    DoNotSchedule,
    ScheduleAnyway
  }

  @Required
  @Pattern(Patterns.LABEL_KEY)
  @Size(max = 317)
  @JsonPropertyDescription("Node label that names the domain, e.g. topology.kubernetes.io/zone.")
  public String topologyKey;

  @Min(1)
  @Default("1")
  @JsonPropertyDescription(
      "Largest allowed difference in pod count between two domains. Default 1.")
  public Integer maxSkew = 1;

  @Default("ScheduleAnyway")
  @JsonPropertyDescription(
      "DoNotSchedule leaves pods Pending rather than skew; ScheduleAnyway only prefers. Default ScheduleAnyway.")
  public WhenUnsatisfiable whenUnsatisfiable = WhenUnsatisfiable.ScheduleAnyway;
}
