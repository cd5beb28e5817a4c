package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.Workloads;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The api Deployment; its replicas belong to the HPA when the api autoscales. */
public class ApiDeploymentDependent extends ChildDependent<Deployment> {

  public ApiDeploymentDependent() {
    super(Deployment.class, s -> ChildNames.of(s, Component.API));
  }

  @Override
  protected Deployment desired(ScalableService primary, Context<ScalableService> context) {
    return Workloads.api(primary, ExternalPassword.allowed(primary, context));
  }
}
