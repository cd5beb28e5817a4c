package dev.swell.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.dependent.DependentResourceSpec;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResourceFactory;

/**
 * Makes the workflow's dependents, giving those that take an operator setting their value (JOSDK's
 * extension point for dependents that need more than a no-argument constructor).
 */
public final class ConfiguredDependents
    implements DependentResourceFactory<
        ControllerConfiguration<?>, DependentResourceSpec<?, ?, ?>> {

  private final String redisImage;

  /**
   * @param redisImage the managed Redis image of a service that names none
   */
  public ConfiguredDependents(String redisImage) {
    this.redisImage = redisImage;
  }

  @Override
  public DependentResource<?, ?> createFrom(
      DependentResourceSpec<?, ?, ?> spec, ControllerConfiguration<?> configuration) {
    if (spec.getDependentResourceClass() == RedisDeploymentDependent.class) {
      DependentResource<?, ?> redis = new RedisDeploymentDependent(redisImage);
      configure(redis, spec, configuration);
      return redis;
    }
    return DependentResourceFactory.super.createFrom(spec, configuration);
  }

  /** JOSDK asks before it makes any dependent; the default answer would need a no-arg one. */
  @Override
  public Class<?> associatedResourceType(DependentResourceSpec<?, ?, ?> spec) {
    if (spec.getDependentResourceClass() == RedisDeploymentDependent.class) {
      return Deployment.class;
    }
    return DependentResourceFactory.super.associatedResourceType(spec);
  }
}
