package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;

/** Where a loop finds its worker Deployment's replicas and pods. */
public interface WorkerCatalog extends AutoCloseable {

  /** The worker Deployment of a ScalableService as it is now. */
  WorkerPods of(ScalableService service);

  @Override
  void close();
}
