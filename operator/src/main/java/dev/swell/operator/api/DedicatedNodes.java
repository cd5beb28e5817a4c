package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Nodes set aside (labelled and tainted key=value) for a component. */
public class DedicatedNodes {
  @Required
  @Pattern(Patterns.LABEL_KEY)
  @JsonPropertyDescription("Label and taint key of the dedicated nodes, e.g. dedicated.")
  public String key;

  @Required
  @Pattern(Patterns.LABEL_VALUE)
  @JsonPropertyDescription("Label and taint value of the dedicated nodes, e.g. workers.")
  public String value;
}
