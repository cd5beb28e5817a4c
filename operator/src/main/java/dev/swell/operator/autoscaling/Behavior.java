package dev.swell.operator.autoscaling;

import dev.swell.operator.autoscaling.Decision.Reason;
import dev.swell.operator.autoscaling.ScalingHistory.Recommendation;
import dev.swell.operator.autoscaling.ScalingHistory.ScaleEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The HPA's behavior, shared by the queue and request scalers: what a proposed count becomes after
 * the stabilization windows, the scale-up and scale-down policies and the bounds
 * (normalizeDesiredReplicasWithBehaviors of pkg/controller/podautoscaler/horizontal.go, Kubernetes
 * 1.33), and the scale events the policies count. Pure.
 */
final class Behavior {

  private Behavior() {}

  /** The bounds and the rules per direction. */
  record Limits(int minReplicas, int maxReplicas, ScalingRules scaleUp, ScalingRules scaleDown) {}

  /** The desired count before stabilization and policies, and why. */
  record Proposal(int replicas, Reason reason, String message) {}

  /**
   * The HPA's stabilization, then its policies and bounds (normalizeDesiredReplicasWithBehaviors).
   */
  static Decision normalize(Limits t, int current, Proposal raw, ScalingHistory h, Instant now) {
    return normalize(t, current, raw, h, now, false);
  }

  /**
   * As {@link #normalize(Limits, int, Proposal, ScalingHistory, Instant)}; in a burst, a scale-up
   * goes straight to the proposal (bounded by maxReplicas), past the scale-up window and policies,
   * and no replica is removed.
   */
  static Decision normalize(
      Limits t, int current, Proposal raw, ScalingHistory h, Instant now, boolean burst) {
    int up = raw.replicas();
    int down = raw.replicas();
    Instant upCutoff = now.minusSeconds(t.scaleUp().stabilizationWindowSeconds());
    Instant downCutoff = now.minusSeconds(t.scaleDown().stabilizationWindowSeconds());
    for (Recommendation r : h.recommendations()) {
      if (r.time().isAfter(upCutoff)) {
        up = Math.min(up, r.replicas());
      }
      if (r.time().isAfter(downCutoff)) {
        down = Math.max(down, r.replicas());
      }
    }
    if (burst) {
      up = raw.replicas();
    }
    int stabilized = Math.min(Math.max(current, up), down);
    if (burst) {
      stabilized = Math.max(stabilized, current);
    }
    List<Recommendation> recommendations = new ArrayList<>();
    Instant keepAfter =
        now.minusSeconds(
            Math.max(
                t.scaleUp().stabilizationWindowSeconds(),
                t.scaleDown().stabilizationWindowSeconds()));
    for (Recommendation r : h.recommendations()) {
      if (r.time().isAfter(keepAfter)) {
        recommendations.add(r);
      }
    }
    recommendations.add(new Recommendation(now, raw.replicas()));
    ScalingHistory withRecommendation =
        new ScalingHistory(
            withoutDominated(recommendations),
            h.scaleUps(),
            h.scaleDowns(),
            h.lastActive(),
            h.consecutiveFailures());

    int to = stabilized;
    Reason reason = raw.reason();
    String message = raw.message();
    if (stabilized != raw.replicas()) {
      boolean held = burst && raw.replicas() < current;
      reason = held ? Reason.Burst : Reason.Hold;
      message =
          raw.message() + (held ? "; in a burst, none removed" : "; stabilized at " + stabilized);
    } else if (burst && stabilized > current) {
      reason = Reason.Burst;
      message = raw.message() + "; burst: past the scale-up policies";
    }
    if (stabilized > current) {
      int limit =
          burst
              ? Integer.MAX_VALUE
              : Math.max(current, upLimit(current, t.scaleUp(), h.scaleUps(), h.scaleDowns(), now));
      int allowed = Math.min(t.maxReplicas(), limit);
      if (stabilized > allowed) {
        to = allowed;
        reason = allowed == t.maxReplicas() ? Reason.Bounds : Reason.RateLimited;
        message =
            raw.message()
                + (allowed == t.maxReplicas()
                    ? "; capped at maxReplicas " + allowed
                    : "; scale-up policy allows " + allowed);
      }
    } else if (stabilized < current) {
      int limit =
          Math.min(current, downLimit(current, t.scaleDown(), h.scaleUps(), h.scaleDowns(), now));
      int allowed = Math.max(t.minReplicas(), limit);
      if (stabilized < allowed) {
        to = allowed;
        reason =
            allowed == t.minReplicas() && limit < t.minReplicas()
                ? Reason.Bounds
                : Reason.RateLimited;
        message = raw.message() + "; scale-down policy allows " + allowed;
      }
    }
    return new Decision(
        current, to, reason, message, record(withRecommendation, now, current, to, t));
  }

  /**
   * The recommendations that can still decide a window, oldest first. The windows take the max
   * (scale-down) and the min (scale-up) of what is newer than their cutoff, so one made no later
   * than another as high, and no later than another as low, never decides either: any window that
   * holds it holds those too. What is left rises or falls strictly towards the newest, so a steady
   * load keeps a few entries however long the window and short the poll (equal counts in a row
   * become one, the newest).
   */
  static List<Recommendation> withoutDominated(List<Recommendation> recommendations) {
    List<Recommendation> byTime = new ArrayList<>(recommendations);
    byTime.sort(Comparator.comparing(Recommendation::time)); // stable: equal times keep their order
    List<Recommendation> kept = new ArrayList<>();
    int laterMax = Integer.MIN_VALUE;
    int laterMin = Integer.MAX_VALUE;
    for (int i = byTime.size() - 1; i >= 0; i--) {
      Recommendation r = byTime.get(i);
      if (r.replicas() > laterMax || r.replicas() < laterMin) {
        kept.add(r);
      }
      laterMax = Math.max(laterMax, r.replicas());
      laterMin = Math.min(laterMin, r.replicas());
    }
    return List.copyOf(kept.reversed());
  }

  /** The HPA's Tolerances.isWithin: 1 - scaleDown.tolerance <= ratio <= 1 + scaleUp.tolerance. */
  static boolean within(Limits t, double ratio) {
    return 1.0 - t.scaleDown().tolerance() <= ratio && ratio <= 1.0 + t.scaleUp().tolerance();
  }

  static boolean outOfBounds(Limits t, int current) {
    return current < t.minReplicas() || current > t.maxReplicas();
  }

  /** As the HPA does for a count outside [min, max]: back inside at once, policies aside. */
  static Decision bounds(Limits t, int current, ScalingHistory h, Instant now) {
    int to = Math.clamp(current, t.minReplicas(), t.maxReplicas());
    return new Decision(
        current,
        to,
        Reason.Bounds,
        "replicas " + current + " outside [" + t.minReplicas() + ", " + t.maxReplicas() + "]",
        record(h, now, current, to, t));
  }

  /**
   * calculateScaleUpLimitWithScalingRules: the replicas at the start of each policy's period are
   * the current ones less what was added in it plus what was removed in it.
   */
  static int upLimit(
      int current, ScalingRules rules, List<ScaleEvent> ups, List<ScaleEvent> downs, Instant now) {
    if (rules.select() == ScalingRules.Select.Disabled) {
      return current;
    }
    boolean max = rules.select() == ScalingRules.Select.Max;
    long result = max ? Integer.MIN_VALUE : Integer.MAX_VALUE;
    for (ScalingPolicy p : rules.policies()) {
      long periodStart = periodStart(current, p, ups, downs, now);
      long proposed =
          p.type() == ScalingPolicy.Type.Pods
              ? periodStart + p.value()
              : (long) Math.ceil(periodStart * (1 + p.value() / 100.0));
      result = max ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return (int) Math.clamp(result, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** calculateScaleDownLimitWithBehaviors, with the period's start counted as for scaling up. */
  static int downLimit(
      int current, ScalingRules rules, List<ScaleEvent> ups, List<ScaleEvent> downs, Instant now) {
    if (rules.select() == ScalingRules.Select.Disabled) {
      return current;
    }
    boolean max = rules.select() == ScalingRules.Select.Max;
    long result = max ? Integer.MAX_VALUE : Integer.MIN_VALUE;
    for (ScalingPolicy p : rules.policies()) {
      long periodStart = periodStart(current, p, ups, downs, now);
      long proposed =
          p.type() == ScalingPolicy.Type.Pods
              ? periodStart - p.value()
              : (long) (periodStart * (1 - p.value() / 100.0));
      result = max ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return (int) Math.clamp(result, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  private static long periodStart(
      int current, ScalingPolicy p, List<ScaleEvent> ups, List<ScaleEvent> downs, Instant now) {
    return (long) current
        - changeInPeriod(ups, p.periodSeconds(), now)
        + changeInPeriod(downs, p.periodSeconds(), now);
  }

  private static int changeInPeriod(List<ScaleEvent> events, int periodSeconds, Instant now) {
    Instant cutoff = now.minusSeconds(periodSeconds);
    return events.stream().filter(e -> e.time().isAfter(cutoff)).mapToInt(ScaleEvent::change).sum();
  }

  /**
   * Stores a scale event when the count changes, as the HPA's storeScaleEvent does: the new event
   * takes the place of the last one older than its direction's longest policy period (so the list
   * stays as short as the periods need), else it is added. An older event may still count for the
   * other direction's longer period until it is replaced; the HPA counts it the same way.
   */
  static ScalingHistory record(ScalingHistory h, Instant now, int from, int to, Limits t) {
    if (to == from) {
      return h;
    }
    boolean up = to > from;
    List<ScaleEvent> events = up ? h.scaleUps() : h.scaleDowns();
    ScalingRules rules = up ? t.scaleUp() : t.scaleDown();
    Instant outdated = now.minusSeconds(rules.longestPeriodSeconds());
    List<ScaleEvent> next = new ArrayList<>(events);
    ScaleEvent event = new ScaleEvent(now, Math.abs(to - from));
    int replace = -1;
    for (int i = 0; i < next.size(); i++) {
      if (next.get(i).time().isBefore(outdated)) {
        replace = i;
      }
    }
    if (replace >= 0) {
      next.set(replace, event);
    } else {
      next.add(event);
    }
    return new ScalingHistory(
        h.recommendations(),
        up ? List.copyOf(next) : h.scaleUps(),
        up ? h.scaleDowns() : List.copyOf(next),
        h.lastActive(),
        h.consecutiveFailures());
  }
}
