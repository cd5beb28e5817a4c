package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The desired state of a ScalableService. */
@ValidationRule(
    value =
        "!has(self.worker) || (has(self.worker.enabled) && !self.worker.enabled) || !has(self.redis) || self.redis.mode != 'None'",
    message = "spec.worker needs a queue: it cannot be enabled with spec.redis.mode None",
    fieldPath = ".worker")
@ValidationRule(
    value =
        "!has(self.worker) || (has(self.worker.enabled) && !self.worker.enabled) || has(self.redis)",
    message = "spec.worker needs a queue: set spec.redis (mode Managed or External)",
    fieldPath = ".worker")
public class ScalableServiceSpec {

  @Required
  @Size(min = 1)
  @JsonPropertyDescription(
      "Container image of the api and the worker (each may override it). Required, not empty.")
  public String image;

  @JsonPropertyDescription(
      "The Redis the api uses as cache, rate limiter and job queue: managed by the operator, external, or none.")
  public RedisSpec redis;

  @JsonPropertyDescription(
      "The HTTP api: a Deployment and Service, scaled by an HPA when autoscaling is set. Absent: no api.")
  public ApiSpec api;

  @JsonPropertyDescription(
      "The queue workers: a Deployment whose replicas the operator sets from the queue backlog. Absent: no worker.")
  public WorkerSpec worker;

  @JsonPropertyDescription(
      "Placement defaults for every component; api.placement and worker.placement override them field by field.")
  public Placement placement;
}
