package dev.swell.operator.desired;

import dev.swell.operator.api.RedisSpec;
import dev.swell.operator.api.ScalableService;

/** Which components a ScalableService has: a section that is present and not {@code enabled: false}. */
public final class Components {

  private Components() {}

  public static boolean api(ScalableService s) {
    return s.getSpec().api != null && !Boolean.FALSE.equals(s.getSpec().api.enabled);
  }

  public static boolean worker(ScalableService s) {
    return s.getSpec().worker != null && !Boolean.FALSE.equals(s.getSpec().worker.enabled);
  }

  public static boolean managedRedis(ScalableService s) {
    return s.getSpec().redis != null && s.getSpec().redis.mode == RedisSpec.Mode.Managed;
  }
}
