package dev.swell.operator.autoscaling;

import dev.swell.operator.autoscaling.Behavior.Proposal;
import dev.swell.operator.autoscaling.Decision.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

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
    if (Behavior.outOfBounds(target.limits(), current)) {
      return Behavior.bounds(target.limits(), current, h, now);
    }
    Proposal raw = propose(target, current, q, work, now, lastActive);
    return Behavior.normalize(target.limits(), current, raw, h, now);
  }

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
    if (current > 0 && Behavior.within(t.limits(), (double) work / (target * (double) current))) {
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
    if (desired == 0 && current > 0 && lastActive == null && t.minReplicas() == 0) {
      return new Proposal(0, Reason.ScaleToZero, "no work since the Deployment was created");
    }
    if (desired == 0 && current > 0) {
      Duration idle = lastActive == null ? Duration.ZERO : Duration.between(lastActive, now);
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

  private Decision fallback(QueueTarget t, int current, String error, ScalingHistory h) {
    int failures = h.consecutiveFailures() + 1;
    ScalingHistory next =
        new ScalingHistory(
            h.recommendations(), h.scaleUps(), h.scaleDowns(), h.lastActive(), failures);
    boolean falling = t.fallbackReplicas() != null && failures >= t.fallbackAfterFailures();
    if (!falling && Behavior.outOfBounds(t.limits(), current)) {
      return Behavior.bounds(t.limits(), current, next, clock.instant());
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
        Behavior.record(next, clock.instant(), current, to, t.limits()));
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
