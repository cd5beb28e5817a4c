package dev.swell.operator.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.SteppedClock;
import dev.swell.operator.autoscaling.Decision.Reason;
import dev.swell.operator.autoscaling.RequestReading.Value;
import dev.swell.operator.autoscaling.RequestTarget.Burst;
import dev.swell.operator.autoscaling.RequestTarget.Metric;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import dev.swell.operator.autoscaling.ScalingRules.Select;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestScalerTest {

  static final ScalingRules NO_WINDOW_DOWN =
      new ScalingRules(0, Select.Max, ScalingRules.DEFAULT_DOWN.policies());

  static final Metric CONCURRENCY = new Metric(Signal.concurrency, 50, 0);
  static final Metric RPS = new Metric(Signal.requestsPerSecond, 100, 0);
  static final Metric P95 = new Metric(Signal.latency, 0.2, 95);

  static RequestTarget target(List<Metric> metrics, ScalingRules down, Burst burst) {
    return new RequestTarget(1, 20, metrics, ScalingRules.DEFAULT_UP, down, burst);
  }

  /** An api under test: the scaler, its clock, the current replicas, the history. */
  static final class Run {
    final SteppedClock clock = new SteppedClock();
    final RequestScaler scaler = new RequestScaler(clock);
    final RequestTarget target;
    int replicas;
    ScalingHistory history = ScalingHistory.start(clock.instant());
    Instant burstUntil;
    RequestScaler.Outcome last;

    Run(RequestTarget target, int replicas) {
      this.target = target;
      this.replicas = replicas;
    }

    Decision after(long seconds, Map<Signal, Value> values) {
      return read(seconds, new RequestReading.Observed(values));
    }

    Decision read(long seconds, RequestReading reading) {
      clock.stepSeconds(seconds);
      last = scaler.decide(target, replicas, reading, false, history, burstUntil);
      replicas = last.decision().to();
      history = last.decision().history();
      burstUntil = last.burstUntil();
      return last.decision();
    }
  }

  @ParameterizedTest(name = "{0} per pod over {1} pods, {2} missing, target 50: {3} -> {4}")
  @CsvSource({
    // value, answered, missing, current, expected: ceil(value / target x pods), HPA Pods metric
    "130, 1, 0, 1, 3",
    "50, 4, 0, 4, 4",
    "54, 4, 0, 4, 4", // within the 10% tolerance
    "56, 4, 0, 4, 5",
    "10, 4, 0, 4, 1",
    "0, 3, 0, 3, 0",
    // missing pods count as idle on the way up: 2 x 100 over 4 pods is 50, the target: hold
    "100, 2, 2, 4, 4",
    "200, 2, 2, 4, 8",
    // and as at the target on the way down: (2 x 10 + 2 x 50) / 4 = 30 -> ceil(0.6 x 4) = 3
    "10, 2, 2, 4, 3",
    // up, but the missing pods flip the direction: hold
    "60, 1, 3, 4, 4",
  })
  void podsMetricAsTheHpaComputesIt(
      double value, int answered, int missing, int current, int expected) {
    RequestTarget t = target(List.of(CONCURRENCY), NO_WINDOW_DOWN, null);
    assertThat(RequestScaler.replicas(t, CONCURRENCY, new Value(value, answered, missing), current))
        .isEqualTo(expected);
  }

  @Test
  void aConcurrencyStepScalesUpAtOnceAndNamesTheMetric() {
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, null), 1);
    Decision d = run.after(1, Map.of(Signal.concurrency, new Value(130, 1, 0)));
    assertThat(d.to()).isEqualTo(3);
    assertThat(d.reason()).isEqualTo(Reason.Metrics);
    assertThat(d.message()).startsWith("concurrency 130 per pod").endsWith("-> 3");
    assertThat(run.last.metrics())
        .containsExactly(new RequestScaler.MetricOutcome(CONCURRENCY, 130.0, 3));
  }

  @Test
  void severalMetricsTakeTheMostReplicasAnyAsksFor() {
    Run run = new Run(target(List.of(CONCURRENCY, RPS, P95), NO_WINDOW_DOWN, null), 2);
    Decision d =
        run.after(
            1,
            Map.of(
                Signal.concurrency, new Value(60, 2, 0), // -> 3
                Signal.requestsPerSecond, new Value(250, 2, 0), // -> 5
                Signal.latency, new Value(0.3, 2, 0))); // 1.5 x 2 -> 3
    assertThat(d.to()).isEqualTo(5);
    assertThat(d.message()).startsWith("requestsPerSecond 250 per pod");
    assertThat(run.last.metrics())
        .extracting(RequestScaler.MetricOutcome::desired)
        .containsExactly(3, 5, 3);
  }

  @Test
  void latencyIsAPercentileOverEveryPodsRequests() {
    Run run = new Run(target(List.of(P95), NO_WINDOW_DOWN, null), 2);
    Decision d = run.after(1, Map.of(Signal.latency, new Value(0.41, 2, 0)));
    assertThat(d.to()).as("ceil(0.41 / 0.2 x 2)").isEqualTo(5);
    assertThat(d.message()).isEqualTo("latency p95 0.41s over 2 pods / target 0.2s -> 5");
    Decision idle = run.after(1, Map.of(Signal.latency, new Value(0, 5, 0)));
    assertThat(idle.to()).as("no requests: down to the fewest, at the policy's pace").isEqualTo(1);
  }

  @Test
  void aMetricThatCannotBeReadStopsAScaleDownButNotAScaleUp() {
    Run run = new Run(target(List.of(CONCURRENCY, RPS), NO_WINDOW_DOWN, null), 4);
    Decision down = run.after(1, Map.of(Signal.concurrency, new Value(5, 4, 0)));
    assertThat(down.to()).isEqualTo(4);
    assertThat(down.reason()).isEqualTo(Reason.Hold);
    assertThat(down.message()).contains("requestsPerSecond unreadable");
    Decision up = run.after(1, Map.of(Signal.concurrency, new Value(100, 4, 0)));
    assertThat(up.to()).isEqualTo(8);
  }

  @Test
  void nothingReadableHoldsTheCount() {
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, null), 3);
    Decision d = run.read(1, new RequestReading.Failed("no api pod answered"));
    assertThat(d.to()).isEqualTo(3);
    assertThat(d.reason()).isEqualTo(Reason.Fallback);
    assertThat(d.message()).contains("no api pod answered");
    assertThat(run.last.metrics())
        .containsExactly(new RequestScaler.MetricOutcome(CONCURRENCY, null, null));
  }

  @Test
  void theScaleDownWindowHoldsAsTheHpas() {
    Run run = new Run(target(List.of(CONCURRENCY), ScalingRules.DEFAULT_DOWN, null), 1);
    run.after(1, Map.of(Signal.concurrency, new Value(200, 1, 0)));
    assertThat(run.replicas).isEqualTo(4);
    for (int s = 10; s < 300; s += 10) { // t = 11 .. 291
      assertThat(run.after(10, Map.of(Signal.concurrency, new Value(1, 4, 0))).to())
          .as("inside the 300 s window")
          .isEqualTo(4);
    }
    assertThat(run.after(10, Map.of(Signal.concurrency, new Value(1, 4, 0))).to()).isEqualTo(1);
  }

  @Test
  void withoutABurstTheScaleUpPolicyPacesAJump() {
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, null), 2);
    Decision d = run.after(1, Map.of(Signal.concurrency, new Value(250, 2, 0)));
    assertThat(d.to()).as("max(+100%, +4 pods) in 15 s").isEqualTo(6);
    assertThat(d.reason()).isEqualTo(Reason.RateLimited);
  }

  @Test
  void aBurstGoesStraightUpAndRemovesNoneUntilItCalms() {
    Burst burst = new Burst(2.0, Duration.ofSeconds(60));
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, burst), 2);
    Decision d = run.after(1, Map.of(Signal.concurrency, new Value(250, 2, 0)));
    assertThat(d.to()).as("10 at once, past the +4 policy").isEqualTo(10);
    assertThat(d.reason()).isEqualTo(Reason.Burst);
    Instant started = run.burstUntil;
    assertThat(started).isEqualTo(run.clock.instant().plusSeconds(60));

    Decision calm = run.after(30, Map.of(Signal.concurrency, new Value(5, 10, 0)));
    assertThat(calm.to()).as("inside the burst: none removed").isEqualTo(10);
    assertThat(calm.reason()).isEqualTo(Reason.Burst);
    assertThat(run.burstUntil).as("calm steps do not extend it").isEqualTo(started);

    Decision after = run.after(31, Map.of(Signal.concurrency, new Value(5, 10, 0)));
    assertThat(after.to()).as("the burst is over: down as the rules allow").isEqualTo(1);
    assertThat(run.burstUntil).isNull();
  }

  @Test
  void aRiseBelowTheThresholdIsNoBurst() {
    Burst burst = new Burst(2.0, Duration.ofSeconds(60));
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, burst), 4);
    Decision d = run.after(1, Map.of(Signal.concurrency, new Value(85, 4, 0)));
    assertThat(d.to()).isEqualTo(7); // ceil(1.7 x 4) = 7 < 2 x 4
    assertThat(d.reason()).isEqualTo(Reason.Metrics);
    assertThat(run.burstUntil).isNull();
  }

  @Test
  void outsideTheBoundsComesBackAtOnce() {
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, null), 25);
    Decision d = run.after(1, Map.of(Signal.concurrency, new Value(100, 25, 0)));
    assertThat(d.to()).isEqualTo(20);
    assertThat(d.reason()).isEqualTo(Reason.Bounds);
  }

  @Test
  void pausedFreezesTheCount() {
    Run run = new Run(target(List.of(CONCURRENCY), NO_WINDOW_DOWN, null), 2);
    run.clock.stepSeconds(1);
    RequestScaler.Outcome o =
        run.scaler.decide(
            run.target,
            2,
            new RequestReading.Observed(Map.of(Signal.concurrency, new Value(500, 2, 0))),
            true,
            run.history,
            null);
    assertThat(o.decision().to()).isEqualTo(2);
    assertThat(o.decision().reason()).isEqualTo(Reason.Paused);
  }
}
