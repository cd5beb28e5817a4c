package dev.swell.operator.desired;

import dev.swell.operator.api.ApiSpec;
import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.RedisSpec;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.WorkerSpec;

/**
 * What a ScalableService has, answered in one place: which components exist (a section that is
 * present and not {@code enabled: false}), which Redis they use, and how many replicas each may
 * run.
 */
public final class Components {

  private Components() {}

  public static boolean api(ScalableService s) {
    return s.getSpec().api != null && !Boolean.FALSE.equals(s.getSpec().api.enabled);
  }

  public static boolean worker(ScalableService s) {
    return s.getSpec().worker != null && !Boolean.FALSE.equals(s.getSpec().worker.enabled);
  }

  /** Whether the app and the operator talk to a Redis (managed or external). */
  public static boolean usesRedis(ScalableService s) {
    return s.getSpec().redis != null && s.getSpec().redis.mode != RedisSpec.Mode.None;
  }

  public static boolean managedRedis(ScalableService s) {
    return s.getSpec().redis != null && s.getSpec().redis.mode == RedisSpec.Mode.Managed;
  }

  /** The api's fixed replicas, or null when its HPA owns them. */
  public static Integer fixedApiReplicas(ScalableService s) {
    ApiSpec api = s.getSpec().api;
    return api.autoscaling != null
        ? null
        : api.replicas == null ? Defaults.API_REPLICAS : api.replicas;
  }

  /** The most replicas the api may run: the HPA's maximum, else its fixed count. */
  public static int maxApiReplicas(ScalableService s) {
    ApiSpec api = s.getSpec().api;
    return api.autoscaling != null ? api.autoscaling.maxReplicas : fixedApiReplicas(s);
  }

  public static int maxWorkers(WorkerSpec worker) {
    return worker.autoscaling == null || worker.autoscaling.maxReplicas == null
        ? Defaults.MAX_WORKERS
        : worker.autoscaling.maxReplicas;
  }

  public static int minWorkers(WorkerSpec worker) {
    return worker.autoscaling == null || worker.autoscaling.minReplicas == null
        ? Defaults.MIN_WORKERS
        : worker.autoscaling.minReplicas;
  }
}
