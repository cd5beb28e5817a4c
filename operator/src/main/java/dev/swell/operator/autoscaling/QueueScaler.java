package dev.swell.operator.autoscaling;

import dev.swell.operator.autoscaling.Decision.Reason;
import dev.swell.operator.autoscaling.ScalingHistory.Recommendation;
import dev.swell.operator.autoscaling.ScalingHistory.ScaleEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides the worker's replicas from its queue, with the HPA's algorithm and behavior semantics
 * (pkg/controller/podautoscaler/horizontal.go of Kubernetes 1.33): a tolerance per direction (0.1
 * unless the behavior sets one, as KEP-4951 allows), stabilization windows, and Pods/Percent
 * policies counted over their periods from the scale-ups and scale-downs both, kept the way the HPA
 * keeps them. HpaDifferentialE2E compares it with the real controller step by step. What it adds
 * for queues: scale to and from zero (activation threshold, cooldown), a drain-time target, and
 * fallback replicas while the queue cannot be read. Pure: time comes from the clock, state from the
 * history passed in.
 */
public final class QueueScaler {

  private final Clock clock;

  public QueueScaler(Clock clock) {
    this.clock = clock;
  }

  public Decision decide(
      QueueTarget target,
      int current,
      QueueReading reading,
      boolean paused,
      ScalingHistory history) {
    Instant now = clock.instant();
    if (paused) {
      return new Decision(current, current, Reason.Paused, "paused by swell.dev/paused", history);
    }
    if (reading instanceof QueueReading.Failed failed) {
      return fallback(target, current, failed.reason(), history);
    }
    QueueReading.Observed q = (QueueReading.Observed) reading;
    long work = q.backlog() + q.inFlight();
    Instant lastActive = work > 0 ? now : history.lastActive();
    ScalingHistory h =
        new ScalingHistory(
            history.recommendations(), history.scaleUps(), history.scaleDowns(), lastActive, 0);
    if (outOfBounds(target, current)) {
      return bounds(target, current, h, now);
    }
    Proposal raw = propose(target, current, q, work, now, lastActive);
    return normalize(target, current, raw, h, now);
  }

  /** The desired count before stabilization and policies, and why. */
  private record Proposal(int replicas, Reason reason, String message) {}

  private Proposal propose(
      QueueTarget t,
      int current,
      QueueReading.Observed q,
      long work,
      Instant now,
      Instant lastActive) {
    long target = t.targetBacklogPerReplica();
    if (current == 0 && q.backlog() <= t.activationBacklog() && q.inFlight() == 0) {
      return new Proposal(
          0, Reason.Hold, "backlog " + q.backlog() + " <= activation " + t.activationBacklog());
    }
    int byBacklog = (int) Math.min(Integer.MAX_VALUE, ceilDiv(work, target));
    Reason reason = Reason.Backlog;
    String message =
        "work "
            + work
            + " (backlog "
            + q.backlog()
            + " + in flight "
            + q.inFlight()
            + ") / target "
            + target
            + " -> "
            + byBacklog;
    if (current > 0 && within(t, (double) work / (target * (double) current))) {
      byBacklog = current;
      message = "work " + work + " within the tolerance of " + current + " x " + target;
    }
    int desired = byBacklog;
    if (t.drainTime() != null
        && q.throughputPerReplica() > 0
        && !Double.isNaN(q.throughputPerReplica())) {
      double perReplica = q.throughputPerReplica() * t.drainTime().toMillis() / 1000.0;
      int byDrain = (int) Math.min(Integer.MAX_VALUE, Math.ceil(q.backlog() / perReplica));
      if (byDrain > desired) {
        desired = byDrain;
        reason = Reason.DrainTime;
        message =
            String.format(
                "backlog %d drains in %ss at %.1f/s per replica -> %d",
                q.backlog(), t.drainTime().toSeconds(), q.throughputPerReplica(), byDrain);
      }
    }
    if (desired == 0 && current > 0) {
      Duration idle = Duration.between(lastActive, now);
      if (t.minReplicas() > 0 || idle.compareTo(t.cooldown()) < 0) {
        return new Proposal(
            Math.max(1, t.minReplicas()),
            Reason.Cooldown,
            "idle " + idle.toSeconds() + "s of cooldown " + t.cooldown().toSeconds() + "s");
      }
      return new Proposal(
          0,
          Reason.ScaleToZero,
          "idle for " + idle.toSeconds() + "s (cooldown " + t.cooldown().toSeconds() + "s)");
    }
    return new Proposal(desired, reason, message);
  }

  /**
   * The HPA's stabilization, then its policies and bounds (normalizeDesiredReplicasWithBehaviors).
   */
  private Decision normalize(
      QueueTarget t, int current, Proposal raw, ScalingHistory h, Instant now) {
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
    int stabilized = Math.min(Math.max(current, up), down);
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
            List.copyOf(recommendations),
            h.scaleUps(),
            h.scaleDowns(),
            h.lastActive(),
            h.consecutiveFailures());

    int to = stabilized;
    Reason reason = raw.reason();
    String message = raw.message();
    if (stabilized != raw.replicas()) {
      reason = Reason.Hold;
      message = raw.message() + "; stabilized at " + stabilized;
    }
    if (stabilized > current) {
      int limit =
          Math.max(current, upLimit(current, t.scaleUp(), h.scaleUps(), h.scaleDowns(), now));
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

  /** The HPA's Tolerances.isWithin: 1 - scaleDown.tolerance <= ratio <= 1 + scaleUp.tolerance. */
  private static boolean within(QueueTarget t, double ratio) {
    return 1.0 - t.scaleDown().tolerance() <= ratio && ratio <= 1.0 + t.scaleUp().tolerance();
  }

  private static boolean outOfBounds(QueueTarget t, int current) {
    return current < t.minReplicas() || current > t.maxReplicas();
  }

  /** As the HPA does for a count outside [min, max]: back inside at once, policies aside. */
  private static Decision bounds(QueueTarget t, int current, ScalingHistory h, Instant now) {
    int to = Math.clamp(current, t.minReplicas(), t.maxReplicas());
    return new Decision(
        current,
        to,
        Reason.Bounds,
        "replicas " + current + " outside [" + t.minReplicas() + ", " + t.maxReplicas() + "]",
        record(h, now, current, to, t));
  }

  private Decision fallback(QueueTarget t, int current, String error, ScalingHistory h) {
    int failures = h.consecutiveFailures() + 1;
    ScalingHistory next =
        new ScalingHistory(
            h.recommendations(), h.scaleUps(), h.scaleDowns(), h.lastActive(), failures);
    boolean falling = t.fallbackReplicas() != null && failures >= t.fallbackAfterFailures();
    if (!falling && outOfBounds(t, current)) {
      return bounds(t, current, next, clock.instant());
    }
    if (!falling) {
      return new Decision(
          current,
          current,
          Reason.Fallback,
          "backlog unreadable (" + failures + " in a row): " + error,
          next);
    }
    int to = Math.clamp(t.fallbackReplicas(), t.minReplicas(), t.maxReplicas());
    return new Decision(
        current,
        to,
        Reason.Fallback,
        "backlog unreadable "
            + failures
            + " times in a row, running "
            + to
            + " fallback replicas: "
            + error,
        record(next, clock.instant(), current, to, t));
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
  private static ScalingHistory record(
      ScalingHistory h, Instant now, int from, int to, QueueTarget t) {
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

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
