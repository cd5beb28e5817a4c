package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.DisruptionBudgets;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The api's PodDisruptionBudget. */
public class ApiBudgetDependent extends ChildDependent<PodDisruptionBudget> {

  public ApiBudgetDependent() {
    super(PodDisruptionBudget.class, s -> ChildNames.of(s, Component.API));
  }

  @Override
  protected PodDisruptionBudget desired(ScalableService primary, Context<ScalableService> context) {
    return DisruptionBudgets.api(primary);
  }
}
