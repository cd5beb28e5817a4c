package dev.swell.operator.reconciler;

import dev.swell.operator.scaling.ApiScalingSnapshot;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;

/**
 * What one reconcile saw of the cluster, beyond the ScalableService itself.
 *
 * @param api the api Deployment, null if absent
 * @param worker the worker Deployment, null if absent
 * @param redis the managed Redis Deployment, null if absent
 * @param redisProblem why an external Redis cannot be used (a missing Secret), or null
 * @param redisProblemReason the condition reason of redisProblem (SecretNotFound, SecretNotAllowed,
 *     RedisHostNotAllowed)
 * @param placementProblems what the cluster's nodes cannot satisfy, empty when all fits
 * @param scaling the queue autoscaler's view, null when the worker is disabled
 * @param scalingProblem why the worker's scaling settings cannot be used (its loop keeps the last
 *     good ones), or null
 * @param apiScaling the api request autoscaler's view, null when Swell does not scale the api
 * @param apiScalingProblem why the api's scaling settings cannot be used, or null
 */
public record Observed(
    Deployment api,
    Deployment worker,
    Deployment redis,
    String redisProblem,
    List<String> placementProblems,
    WorkerScalingSnapshot scaling,
    String scalingProblem,
    String redisProblemReason,
    ApiScalingSnapshot apiScaling,
    String apiScalingProblem) {

  public Observed(
      Deployment api,
      Deployment worker,
      Deployment redis,
      String redisProblem,
      List<String> placementProblems,
      WorkerScalingSnapshot scaling,
      String scalingProblem,
      String redisProblemReason) {
    this(
        api,
        worker,
        redis,
        redisProblem,
        placementProblems,
        scaling,
        scalingProblem,
        redisProblemReason,
        null,
        null);
  }

  public Observed(
      Deployment api,
      Deployment worker,
      Deployment redis,
      String redisProblem,
      List<String> placementProblems,
      WorkerScalingSnapshot scaling) {
    this(
        api,
        worker,
        redis,
        redisProblem,
        placementProblems,
        scaling,
        null,
        redisProblem == null ? null : "SecretNotFound",
        null,
        null);
  }
}
