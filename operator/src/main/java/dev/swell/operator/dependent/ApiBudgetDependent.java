package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.Scaling;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The api's PodDisruptionBudget. */

public class ApiBudgetDependent extends CRUDKubernetesDependentResource<PodDisruptionBudget, ScalableService> {

  @Override
  protected PodDisruptionBudget desired(ScalableService primary, Context<ScalableService> context) {
    return Scaling.apiBudget(primary);
  }
}
