package dev.swell.operator.reconciler;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.events.EventSink;
import io.fabric8.kubernetes.api.model.Condition;

/** Turns condition transitions into events: one per change, never one per reconcile. */
final class StatusEvents {

  private StatusEvents() {}

  static void emit(EventSink events, ScalableService s, Conditions c) {
    Condition placement = c.get(ConditionType.PlacementFeasible);
    if (!c.isTrue(ConditionType.PlacementFeasible)) {
      // the sink deduplicates, and a new message (different problems) deserves a new event
      events.record(s, EventReason.PlacementInfeasible, placement.getMessage());
    }
    Condition redis = c.get(ConditionType.RedisReady);
    if ("SecretNotFound".equals(redis.getReason())) {
      events.record(s, EventReason.SecretNotFound, redis.getMessage());
    } else if ("SecretNotAllowed".equals(redis.getReason())
        || "RedisHostNotAllowed".equals(redis.getReason())) {
      events.record(s, EventReason.RedisNotAllowed, redis.getMessage());
    } else if ("InvalidSpec".equals(redis.getReason())) {
      events.record(s, EventReason.InvalidSpec, redis.getMessage());
    }
    if (c.changed(ConditionType.Paused) && s.getStatus() != null) {
      events.record(
          s,
          c.isTrue(ConditionType.Paused) ? EventReason.Paused : EventReason.Resumed,
          c.get(ConditionType.Paused).getMessage());
    }
    Condition scaling = c.get(ConditionType.ScalingActive);
    if ("InvalidSpec".equals(scaling.getReason())) {
      events.record(s, EventReason.InvalidSpec, scaling.getMessage());
    } else if ("BacklogUnreadable".equals(scaling.getReason())) {
      events.record(s, EventReason.BacklogUnreadable, scaling.getMessage());
    } else if (c.isTrue(ConditionType.ScalingActive)
        && "BacklogUnreadable".equals(c.previousReason(ConditionType.ScalingActive))) {
      events.record(
          s, EventReason.BacklogReadable, "the backlog can be read again: " + scaling.getMessage());
    }
    Condition api = c.get(ConditionType.ApiScalingActive);
    if ("InvalidSpec".equals(api.getReason())) {
      events.record(s, EventReason.InvalidSpec, api.getMessage());
    } else if ("MetricsUnreadable".equals(api.getReason())) {
      events.record(s, EventReason.ApiMetricsUnreadable, api.getMessage());
    } else if (c.isTrue(ConditionType.ApiScalingActive)
        && "MetricsUnreadable".equals(c.previousReason(ConditionType.ApiScalingActive))) {
      events.record(
          s,
          EventReason.ApiMetricsReadable,
          "the api's metrics can be read again: " + api.getMessage());
    }
    if (c.changed(ConditionType.Ready) && c.isTrue(ConditionType.Ready)) {
      events.record(s, EventReason.Ready, c.get(ConditionType.Ready).getMessage());
    }
  }
}
