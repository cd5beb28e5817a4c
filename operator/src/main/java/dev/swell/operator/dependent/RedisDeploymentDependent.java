package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The managed Redis Deployment. */

public class RedisDeploymentDependent extends CRUDKubernetesDependentResource<Deployment, ScalableService> {

  @Override
  protected Deployment desired(ScalableService primary, Context<ScalableService> context) {
    return RedisResources.deployment(primary);
  }
}
