package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.Workloads;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The worker Deployment; its replicas belong to the queue autoscaler. */

public class WorkerDeploymentDependent extends CRUDKubernetesDependentResource<Deployment, ScalableService> {

  @Override
  protected Deployment desired(ScalableService primary, Context<ScalableService> context) {
    return Workloads.worker(primary);
  }
}
