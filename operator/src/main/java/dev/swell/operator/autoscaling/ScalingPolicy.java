package dev.swell.operator.autoscaling;

/**
 * At most {@code value} pods, or {@code value} percent of the replicas at the start of the period,
 * may be added (or removed) per {@code periodSeconds}: the HPA's HPAScalingPolicy.
 */
public record ScalingPolicy(Type type, int value, int periodSeconds) {
  public enum Type {
    Pods,
    Percent
  }
}
