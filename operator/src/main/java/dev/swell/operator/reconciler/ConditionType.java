package dev.swell.operator.reconciler;

/** The fixed set of condition types every ScalableService status carries, in this order. */
public enum ConditionType {
  Ready,
  RedisReady,
  ApiAvailable,
  WorkerAvailable,
  ScalingActive,
  ApiScalingActive,
  PlacementFeasible,
  Fallback,
  Paused
}
