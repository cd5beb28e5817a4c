package dev.swell.operator.autoscaling;

import dev.swell.operator.autoscaling.Behavior.Proposal;
import dev.swell.operator.autoscaling.Decision.Reason;
import dev.swell.operator.autoscaling.RequestTarget.Metric;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides the api's replicas from what its pods report, as the HPA decides on Pods metrics
 * (pkg/controller/podautoscaler/replica_calculator.go, Kubernetes 1.33): per metric, the ratio of
 * the average per pod to the target gives ceil(ratio x pods) unless it is within the tolerance;
 * pods that gave no value count as idle when scaling up and as at the target when scaling down;
 * several metrics give the most replicas any asks for, and a metric that cannot be read stops a
 * scale-down. Latency is a percentile over every pod's requests, its ratio applied the same way.
 * Then the same behavior (windows, policies, bounds) as the queue scaler, and, when set, Knative's
 * burst ("panic") mode. Pure: time comes from the clock, state from the history passed in.
 */
public final class RequestScaler {

  private final Clock clock;

  public RequestScaler(Clock clock) {
    this.clock = clock;
  }

  /**
   * One metric's outcome, for the status.
   *
   * @param current the value read (per pod; latency in seconds), null when unreadable
   * @param desired the replicas it asks for, null when unreadable
   */
  public record MetricOutcome(Metric metric, Double current, Integer desired) {}

  /**
   * The decision, each metric's part in it, and until when a burst holds the replicas (null: no
   * burst), to pass to the next evaluation.
   */
  public record Outcome(Decision decision, List<MetricOutcome> metrics, Instant burstUntil) {}

  public Outcome decide(
      RequestTarget target,
      int current,
      RequestReading reading,
      boolean paused,
      ScalingHistory history,
      Instant burstUntil) {
    Instant now = clock.instant();
    List<MetricOutcome> outcomes = new ArrayList<>();
    if (paused) {
      return new Outcome(
          new Decision(current, current, Reason.Paused, "paused by swell.dev/paused", history),
          unread(target),
          burstUntil);
    }
    if (Behavior.outOfBounds(target.limits(), current)) {
      return new Outcome(
          Behavior.bounds(target.limits(), current, history, now), unread(target), burstUntil);
    }
    String unreadable = null;
    int desired = -1;
    Metric deciding = null;
    String why = null;
    RequestReading.Observed observed =
        reading instanceof RequestReading.Observed o ? o : new RequestReading.Observed(Map.of());
    for (Metric m : target.metrics()) {
      RequestReading.Value v = observed.values().get(m.signal());
      if (v == null || v.answered() == 0) {
        outcomes.add(new MetricOutcome(m, null, null));
        unreadable = unreadable == null ? m.label() : unreadable + ", " + m.label();
        continue;
      }
      int wants = replicas(target, m, v, current);
      outcomes.add(new MetricOutcome(m, v.value(), wants));
      if (wants > desired) {
        desired = wants;
        deciding = m;
        why = describe(m, v, wants);
      }
    }
    if (deciding == null) {
      String reason =
          reading instanceof RequestReading.Failed f ? f.reason() : "no metric could be read";
      return new Outcome(
          new Decision(
              current, current, Reason.Fallback, "metrics unreadable, holding: " + reason, history),
          outcomes,
          burstUntil);
    }
    Reason reason = Reason.Metrics;
    if (unreadable != null && desired < current) {
      desired = current;
      reason = Reason.Hold;
      why = why + "; " + unreadable + " unreadable: none removed";
    }
    Instant until = burstUntil != null && now.isBefore(burstUntil) ? burstUntil : null;
    if (target.burst() != null
        && desired >= target.burst().threshold() * Math.max(1, current)
        && desired > current) {
      until = now.plus(target.burst().duration());
    }
    Decision d =
        Behavior.normalize(
            target.limits(),
            current,
            new Proposal(desired, reason, why),
            history,
            now,
            until != null);
    return new Outcome(d, outcomes, until);
  }

  /**
   * The HPA's replica count for one Pods metric (GetMetricReplicas with its missing-pods rules);
   * for latency, the answering pods are the count.
   */
  static int replicas(RequestTarget t, Metric m, RequestReading.Value v, int current) {
    double ratio = v.value() / m.target();
    if (v.missing() == 0 || m.signal() == Signal.latency) {
      if (Behavior.within(t.limits(), ratio)) {
        return current;
      }
      return (int) Math.min(Integer.MAX_VALUE, Math.ceil(ratio * v.answered()));
    }
    int pods = v.answered() + v.missing();
    double sum = v.value() * v.answered();
    double adjusted = ratio > 1 ? sum / pods : (sum + m.target() * v.missing()) / pods;
    double newRatio = adjusted / m.target();
    if (Behavior.within(t.limits(), newRatio)
        || ratio > 1 && newRatio < 1
        || ratio < 1 && newRatio > 1) {
      return current;
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.ceil(newRatio * pods));
  }

  private static String describe(Metric m, RequestReading.Value v, int wants) {
    String unit =
        switch (m.signal()) {
          case latency -> "s";
          case cpu, memory -> "%";
          default -> "";
        };
    String counted = v.missing() > 0 ? ", " + v.missing() + " not counted" : "";
    return m.signal() == Signal.latency
        ? String.format(
            "%s %ss over %d pods / target %ss -> %d",
            m.label(), number(v.value()), v.answered(), number(m.target()), wants)
        : String.format(
            "%s %s%s per pod (%d answered%s) / target %s%s -> %d",
            m.label(),
            number(v.value()),
            unit,
            v.answered(),
            counted,
            number(m.target()),
            unit,
            wants);
  }

  public static String number(double d) {
    return new BigDecimal(d).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  private static List<MetricOutcome> unread(RequestTarget t) {
    return t.metrics().stream().map(m -> new MetricOutcome(m, null, null)).toList();
  }
}
