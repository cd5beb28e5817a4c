package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The managed Redis Deployment; made by {@link ConfiguredDependents} with the operator's image. */
public class RedisDeploymentDependent extends ChildDependent<Deployment> {

  private final String defaultImage;

  RedisDeploymentDependent(String defaultImage) {
    super(Deployment.class, s -> ChildNames.of(s, Component.REDIS));
    this.defaultImage = defaultImage;
  }

  @Override
  protected Deployment desired(ScalableService primary, Context<ScalableService> context) {
    return RedisResources.deployment(primary, defaultImage);
  }
}
