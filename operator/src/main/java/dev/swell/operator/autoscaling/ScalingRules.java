package dev.swell.operator.autoscaling;

import java.util.List;

/**
 * One direction of the HPA's behavior: a stabilization window, the policies, which policy wins
 * (Max: the one allowing the largest change; Min: the smallest; Disabled: no change), and the
 * tolerance: how far above (scale-up) or below (scale-down) 1 the ratio of work to target may be
 * before the count changes.
 */
public record ScalingRules(
    int stabilizationWindowSeconds, Select select, List<ScalingPolicy> policies, double tolerance) {

  public enum Select {
    Max,
    Min,
    Disabled
  }

  /** The HPA controller's default tolerance (--horizontal-pod-autoscaler-tolerance). */
  public static final double DEFAULT_TOLERANCE = 0.1;

  public ScalingRules(int stabilizationWindowSeconds, Select select, List<ScalingPolicy> policies) {
    this(stabilizationWindowSeconds, select, policies, DEFAULT_TOLERANCE);
  }

  /** The HPA's default for scaling up: no window, the larger of +100% and +4 pods every 15 s. */
  public static final ScalingRules DEFAULT_UP =
      new ScalingRules(
          0,
          Select.Max,
          List.of(
              new ScalingPolicy(ScalingPolicy.Type.Percent, 100, 15),
              new ScalingPolicy(ScalingPolicy.Type.Pods, 4, 15)));

  /** The HPA's default for scaling down: a 300 s window, then up to -100% every 15 s. */
  public static final ScalingRules DEFAULT_DOWN =
      new ScalingRules(
          300, Select.Max, List.of(new ScalingPolicy(ScalingPolicy.Type.Percent, 100, 15)));

  public int longestPeriodSeconds() {
    return policies.stream().mapToInt(ScalingPolicy::periodSeconds).max().orElse(0);
  }
}
