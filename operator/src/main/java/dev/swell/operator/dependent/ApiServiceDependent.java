package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.Networking;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The api Service. */

public class ApiServiceDependent extends CRUDKubernetesDependentResource<Service, ScalableService> {

  @Override
  protected Service desired(ScalableService primary, Context<ScalableService> context) {
    return Networking.apiService(primary);
  }
}
