package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The managed Redis Service. */
public class RedisServiceDependent extends ChildDependent<Service> {

  public RedisServiceDependent() {
    super(Service.class, s -> ChildNames.of(s, Component.REDIS));
  }

  @Override
  protected Service desired(ScalableService primary, Context<ScalableService> context) {
    return RedisResources.service(primary);
  }
}
