package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * A PodDisruptionBudget: how many pods a voluntary disruption (a node drain) must leave running.
 */
@ValidationRule(
    value = "!(has(self.minAvailable) && has(self.maxUnavailable))",
    message = "set either minAvailable or maxUnavailable, not both")
public class DisruptionBudgetSpec {
  @JsonPropertyDescription("Pods (e.g. 1) or percent (e.g. 50%) that must stay available.")
  @ValidationRule(
      value = DisruptionBudgetSpec.COUNT_OR_PERCENT,
      message = DisruptionBudgetSpec.MESSAGE)
  public IntOrString minAvailable;

  @JsonPropertyDescription("Pods or percent that may be unavailable; instead of minAvailable.")
  @ValidationRule(
      value = DisruptionBudgetSpec.COUNT_OR_PERCENT,
      message = DisruptionBudgetSpec.MESSAGE)
  public IntOrString maxUnavailable;

  static final String COUNT_OR_PERCENT =
      "type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')";
  static final String MESSAGE = "must be a number of pods >= 0 or a percentage from 0% to 100%";
}
