package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.Workloads;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The worker Deployment; its replicas belong to the queue autoscaler. */
public class WorkerDeploymentDependent extends ChildDependent<Deployment> {

  public WorkerDeploymentDependent() {
    super(Deployment.class, s -> ChildNames.of(s, Component.WORKER));
  }

  @Override
  protected Deployment desired(ScalableService primary, Context<ScalableService> context) {
    return Workloads.worker(primary, ExternalPassword.allowed(primary, context));
  }
}
