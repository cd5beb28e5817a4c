package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;

/** Where a loop finds its api Deployment's replicas and pods. */
public interface ApiCatalog extends AutoCloseable {

  /** The api Deployment of a ScalableService as it is now. */
  ApiPods api(ScalableService service);

  @Override
  void close();
}
