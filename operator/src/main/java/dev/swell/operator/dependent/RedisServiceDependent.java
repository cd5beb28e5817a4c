package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The managed Redis Service. */

public class RedisServiceDependent extends CRUDKubernetesDependentResource<Service, ScalableService> {

  @Override
  protected Service desired(ScalableService primary, Context<ScalableService> context) {
    return RedisResources.service(primary);
  }
}
