package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.Networking;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The api Service. */
public class ApiServiceDependent extends ChildDependent<Service> {

  public ApiServiceDependent() {
    super(Service.class, s -> ChildNames.of(s, Component.API));
  }

  @Override
  protected Service desired(ScalableService primary, Context<ScalableService> context) {
    return Networking.apiService(primary);
  }
}
