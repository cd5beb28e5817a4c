package dev.swell.operator.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.SteppedClock;
import dev.swell.operator.autoscaling.Decision.Reason;
import dev.swell.operator.autoscaling.ScalingPolicy.Type;
import dev.swell.operator.autoscaling.ScalingRules.Select;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueueScalerTest {

  static final ScalingRules NO_WINDOW_DOWN =
      new ScalingRules(0, Select.Max, ScalingRules.DEFAULT_DOWN.policies());

  static QueueTarget target(int min, int max, long perReplica, ScalingRules up, ScalingRules down) {
    return new QueueTarget(
        min, max, perReplica, 0, null, Duration.ofSeconds(60), up, down, null, 3);
  }

  static QueueTarget defaults(int min, int max, long perReplica) {
    return target(min, max, perReplica, ScalingRules.DEFAULT_UP, ScalingRules.DEFAULT_DOWN);
  }

  /** A worker under test: the scaler, its clock, the current replicas and the history. */
  static final class Run {
    final SteppedClock clock = new SteppedClock();
    final QueueScaler scaler = new QueueScaler(clock);
    QueueTarget target;
    int replicas;
    ScalingHistory history = ScalingHistory.start(clock.instant());
    Decision last;

    Run(QueueTarget target, int replicas) {
      this.target = target;
      this.replicas = replicas;
    }

    Decision after(long seconds, long backlog, long inFlight) {
      return read(seconds, new QueueReading.Observed(backlog, inFlight, Double.NaN), false);
    }

    Decision read(long seconds, QueueReading reading, boolean paused) {
      clock.stepSeconds(seconds);
      last = scaler.decide(target, replicas, reading, paused, history);
      replicas = last.to();
      history = last.history();
      return last;
    }
  }

  @ParameterizedTest(name = "backlog {0}, in flight {1}, target {2}: {3} -> {4}")
  @CsvSource({
    // backlog, inFlight, target, from, expected: desired = ceil(work / target), HPA AverageValue
    "97, 0, 20, 5, 5",
    "97, 0, 20, 4, 5",
    "0, 100, 20, 5, 5",
    "104, 0, 20, 5, 5", // ratio 1.04: inside the 0.1 tolerance
    "90, 0, 20, 5, 5", // ratio 0.9: inside the tolerance
    "111, 0, 20, 5, 6", // ratio 1.11: outside
    "80, 0, 20, 2, 4",
    "1, 0, 1000, 1, 1",
  })
  void desiredIsTheCeilingOfWorkOverTarget(
      long backlog, long inFlight, long target, int from, int expected) {
    Run run = new Run(target(0, 50, target, ScalingRules.DEFAULT_UP, NO_WINDOW_DOWN), from);
    assertThat(run.after(1, backlog, inFlight).to()).isEqualTo(expected);
  }

  @Test
  void theDesignsExampleScalesFourToFive() {
    Run run = new Run(defaults(0, 20, 20), 4);
    Decision d = run.after(1, 97, 0);
    assertThat(d.to()).isEqualTo(5);
    assertThat(d.reason()).isEqualTo(Reason.Backlog);
    assertThat(d.message()).contains("work 97", "target 20 -> 5");
  }

  @Test
  void theDefaultScaleUpPolicyAllowsTheLargerOfDoubleOrFourPodsPer15s() {
    Run run = new Run(defaults(0, 100, 10), 1);
    assertThat(run.after(1, 1000, 0).to()).as("1 -> max(2, 1 + 4)").isEqualTo(5);
    assertThat(run.last.reason()).isEqualTo(Reason.RateLimited);
    assertThat(run.after(5, 1000, 0).to()).as("same 15 s period").isEqualTo(5);
    assertThat(run.after(11, 1000, 0).to()).as("next period: 5 -> max(10, 9)").isEqualTo(10);
    assertThat(run.after(16, 1000, 0).to()).isEqualTo(20);
    assertThat(run.after(16, 1000, 0).to()).isEqualTo(40);
    assertThat(run.after(16, 1000, 0).to()).isEqualTo(80);
    assertThat(run.after(16, 1000, 0).to()).as("capped at the desired 100").isEqualTo(100);
  }

  @Test
  void maxReplicasCapsTheCount() {
    Run run =
        new Run(
            target(
                0,
                8,
                10,
                new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Pods, 100, 15))),
                NO_WINDOW_DOWN),
            2);
    Decision d = run.after(1, 5000, 0);
    assertThat(d.to()).isEqualTo(8);
    assertThat(d.reason()).isEqualTo(Reason.Bounds);
  }

  @Test
  void hpaDocsScaleDownExampleTenPercentOrFourPodsPerMinute() {
    // kubernetes.io HPA docs, "Scaling Policies": Pods 4 / 60 s and Percent 10 / 60 s; the policy
    // allowing the most change wins: 80 -> 72 (10% is 8), then 72 -> 64 (7.2 rounds to 8 removed)
    ScalingRules down =
        new ScalingRules(
            0,
            Select.Max,
            List.of(new ScalingPolicy(Type.Pods, 4, 60), new ScalingPolicy(Type.Percent, 10, 60)));
    Run run = new Run(target(0, 100, 10, ScalingRules.DEFAULT_UP, down), 80);
    assertThat(run.after(1, 100, 0).to()).isEqualTo(72);
    assertThat(run.after(30, 100, 0).to()).as("still the same minute").isEqualTo(72);
    assertThat(run.after(31, 100, 0).to()).isEqualTo(64);
    run.replicas = 30;
    run.history = ScalingHistory.start(run.clock.instant());
    assertThat(run.after(61, 100, 0).to()).as("below 40, 4 pods beat 10%").isEqualTo(26);
  }

  @Test
  void hpaDocsScaleUpExampleNineHundredPercent() {
    // kubernetes.io HPA docs: Percent 900 / 60 s grows 1 -> 10 -> 100
    ScalingRules up =
        new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Percent, 900, 60)));
    Run run = new Run(target(0, 1000, 1, up, NO_WINDOW_DOWN), 1);
    assertThat(run.after(1, 10_000, 0).to()).isEqualTo(10);
    assertThat(run.after(61, 10_000, 0).to()).isEqualTo(100);
  }

  @Test
  void selectPolicyMinTakesTheSmallestChange() {
    ScalingRules up =
        new ScalingRules(
            0,
            Select.Min,
            List.of(new ScalingPolicy(Type.Pods, 4, 15), new ScalingPolicy(Type.Percent, 100, 15)));
    Run run = new Run(target(0, 100, 1, up, NO_WINDOW_DOWN), 10);
    assertThat(run.after(1, 1000, 0).to()).as("min(10 + 4, 20)").isEqualTo(14);
  }

  @Test
  void disabledScaleDownNeverRemovesReplicas() {
    Run run =
        new Run(
            target(
                0,
                10,
                10,
                ScalingRules.DEFAULT_UP,
                new ScalingRules(0, Select.Disabled, List.of())),
            6);
    for (int i = 0; i < 20; i++) {
      assertThat(run.after(30, 0, 0).to()).isEqualTo(6);
    }
  }

  @Test
  void hpaDocsStabilizationWindowKeepsTheHighestRecommendation() {
    // docs: scaleDown stabilizationWindowSeconds 300 uses the highest recommendation of the past 5
    // minutes
    Run run = new Run(defaults(1, 20, 10), 10);
    assertThat(run.after(1, 100, 0).to()).isEqualTo(10);
    assertThat(run.after(60, 20, 0).to()).as("a drop to 2 is held by the window").isEqualTo(10);
    assertThat(run.last.reason()).isEqualTo(Reason.Hold);
    assertThat(run.after(200, 20, 0).to()).isEqualTo(10);
    assertThat(run.after(45, 20, 0).to())
        .as("301 s after the last 10: the window has only 2s")
        .isEqualTo(2);
  }

  @Test
  void aScaleUpWindowTakesTheLowestRecommendation() {
    Run run =
        new Run(
            target(
                0,
                20,
                10,
                new ScalingRules(60, Select.Max, ScalingRules.DEFAULT_UP.policies()),
                NO_WINDOW_DOWN),
            2);
    assertThat(run.after(1, 20, 0).to()).isEqualTo(2);
    assertThat(run.after(10, 100, 0).to()).as("the 2 of 10 s ago still counts").isEqualTo(2);
    assertThat(run.after(55, 100, 0).to()).isEqualTo(6);
  }

  @Test
  void activationFromZeroNeedsMoreThanTheThreshold() {
    QueueTarget t =
        new QueueTarget(
            0,
            10,
            20,
            10,
            null,
            Duration.ofSeconds(60),
            ScalingRules.DEFAULT_UP,
            NO_WINDOW_DOWN,
            null,
            3);
    Run run = new Run(t, 0);
    assertThat(run.after(1, 10, 0).to()).isZero();
    assertThat(run.after(1, 11, 0).to()).isEqualTo(1);
  }

  @Test
  void scaleToZeroWaitsForTheCooldownAndFollowsTheScaleDownPolicy() {
    ScalingRules onePerMinute =
        new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Pods, 1, 60)));
    Run run = new Run(target(0, 10, 10, ScalingRules.DEFAULT_UP, onePerMinute), 3);
    run.after(1, 30, 0); // active
    assertThat(run.after(1, 0, 0).to())
        .as("idle, cooldown running: one replica stays")
        .isEqualTo(2);
    assertThat(run.last.reason())
        .as("the policy allows 3 -> 2 now, the cooldown asks for 1")
        .isEqualTo(Reason.RateLimited);
    assertThat(run.last.message()).contains("cooldown 60s");
    assertThat(run.after(58, 0, 0).to()).isEqualTo(2);
    assertThat(run.after(2, 0, 0).to()).as("a minute later: one more removed").isEqualTo(1);
    assertThat(run.after(30, 0, 0).to())
        .as("cooldown of 60 s over, but the policy allows one per minute")
        .isEqualTo(1);
    assertThat(run.after(31, 0, 0).to()).isZero();
    assertThat(run.last.reason()).isEqualTo(Reason.ScaleToZero);
  }

  @Test
  void aDeploymentNeverScaledGoesToItsMinimumAtOnceWithoutTheCooldown() {
    Run fresh = new Run(defaults(0, 10, 10), 1);
    fresh.history = ScalingHistory.neverScaled();
    assertThat(fresh.after(1, 0, 0).to()).as("no work ever, min 0: 1 -> 0 now").isZero();
    assertThat(fresh.last.reason()).isEqualTo(Reason.ScaleToZero);
    assertThat(fresh.last.message()).isEqualTo("no work since the Deployment was created");

    Run busy = new Run(defaults(0, 10, 10), 1);
    busy.history = ScalingHistory.neverScaled();
    assertThat(busy.after(1, 0, 3).to()).as("work in flight keeps its worker").isEqualTo(1);
    assertThat(busy.after(1, 0, 0).to())
        .as("once it had work, the cooldown runs as for any other")
        .isEqualTo(1);
    assertThat(busy.last.reason()).isEqualTo(Reason.Cooldown);

    Run withMin = new Run(defaults(2, 10, 10), 1);
    withMin.history = ScalingHistory.neverScaled();
    assertThat(withMin.after(1, 0, 0).to()).as("up to minReplicas").isEqualTo(2);
  }

  @Test
  void neverFromManyStraightToZero() {
    // KEDA jumps N -> 0 at once (kedacore/keda#7770); with the HPA's default down rules we step
    Run run =
        new Run(
            target(
                0,
                50,
                10,
                ScalingRules.DEFAULT_UP,
                new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Percent, 50, 15)))),
            40);
    run.after(1, 400, 0);
    List<Integer> path = new ArrayList<>();
    for (int i = 0; i < 20 && run.replicas > 0; i++) {
      path.add(run.after(61, 0, 0).to());
    }
    assertThat(path).startsWith(20, 10, 5, 2, 1).endsWith(0);
  }

  @Test
  void workInFlightKeepsWorkersAlive() {
    Run run = new Run(target(0, 10, 10, ScalingRules.DEFAULT_UP, NO_WINDOW_DOWN), 2);
    for (int i = 0; i < 10; i++) {
      assertThat(run.after(60, 0, 15).to()).as("15 items in flight, target 10").isEqualTo(2);
    }
  }

  @Test
  void fallbackAfterConsecutiveFailuresAlsoFromZero() {
    QueueTarget t =
        new QueueTarget(
            0,
            10,
            10,
            0,
            null,
            Duration.ofSeconds(60),
            ScalingRules.DEFAULT_UP,
            NO_WINDOW_DOWN,
            2,
            3);
    Run run = new Run(t, 0);
    QueueReading down = new QueueReading.Failed("connection refused");
    assertThat(run.read(1, down, false).to()).isZero();
    assertThat(run.read(1, down, false).to()).isZero();
    Decision third = run.read(1, down, false);
    assertThat(third.to()).isEqualTo(2);
    assertThat(third.reason()).isEqualTo(Reason.Fallback);
    assertThat(third.message()).contains("connection refused", "3 times");
    assertThat(run.after(1, 0, 0).history().consecutiveFailures())
        .as("a good read resets the count")
        .isZero();
  }

  @Test
  void withoutFallbackAFailedReadHoldsTheCount() {
    Run run = new Run(defaults(0, 10, 10), 4);
    for (int i = 0; i < 5; i++) {
      assertThat(run.read(1, new QueueReading.Failed("timeout"), false).to()).isEqualTo(4);
    }
  }

  @Test
  void boundsApplyEvenWhileTheQueueCannotBeRead() {
    Run run = new Run(defaults(3, 10, 10), 1);
    Decision d = run.read(1, new QueueReading.Failed("connection refused"), false);
    assertThat(d.to()).isEqualTo(3);
    assertThat(d.reason()).isEqualTo(Reason.Bounds);
    assertThat(d.history().consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void pausedFreezesTheCount() {
    Run run = new Run(defaults(0, 10, 10), 3);
    Decision d = run.read(1, new QueueReading.Observed(1000, 0, Double.NaN), true);
    assertThat(d.to()).isEqualTo(3);
    assertThat(d.reason()).isEqualTo(Reason.Paused);
  }

  @Test
  void drainTimeAsksForMoreWhenThroughputIsLow() {
    QueueTarget t =
        new QueueTarget(
            0,
            50,
            100,
            0,
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Pods, 100, 15))),
            NO_WINDOW_DOWN,
            null,
            3);
    Run run = new Run(t, 1);
    Decision d = run.read(1, new QueueReading.Observed(200, 0, 2.0), false);
    // backlog target: ceil(200/100) = 2; drain: 200 items in 10 s at 2/s per replica = 10 replicas
    assertThat(d.to()).isEqualTo(10);
    assertThat(d.reason()).isEqualTo(Reason.DrainTime);
    Decision unknown = new Run(t, 1).read(1, new QueueReading.Observed(200, 0, Double.NaN), false);
    assertThat(unknown.to()).as("unknown throughput: the backlog target alone").isEqualTo(2);
  }

  @Test
  void countsOutsideTheBoundsAreBroughtBackAtOnce() {
    Run run = new Run(defaults(2, 5, 10), 0);
    assertThat(run.after(1, 0, 0).to()).isEqualTo(2);
    run.replicas = 9;
    assertThat(run.after(1, 1000, 0).to()).isEqualTo(5);
    assertThat(run.last.reason()).isEqualTo(Reason.Bounds);
  }

  @Test
  void aBurstRightAfterAScaleToZeroGetsItsWorkersAtOnce() {
    // 0 -> 4 -> 1 -> 0 within one 15 s scale-up period: the HPA counts the period's start as
    // current - added + removed = 0, so the next burst may add 4 again at once (it waited 15 s
    // before)
    QueueTarget t =
        new QueueTarget(
            0,
            20,
            20,
            0,
            null,
            Duration.ofSeconds(2),
            ScalingRules.DEFAULT_UP,
            NO_WINDOW_DOWN,
            null,
            3);
    Run run = new Run(t, 0);
    assertThat(run.after(1, 80, 0).to()).isEqualTo(4);
    assertThat(run.after(1, 0, 0).to()).as("idle inside the cooldown").isEqualTo(1);
    assertThat(run.after(2, 0, 0).to()).as("cooldown over").isZero();
    Decision burst = run.after(1, 80, 0);
    assertThat(burst.to()).as("the burst 1 s after reaching zero: " + burst.message()).isEqualTo(4);
  }

  @Test
  void removalsInAPeriodRaiseTheScaleUpLimitAndAdditionsLowerTheScaleDownLimit() {
    ScalingRules onePodPerMinute =
        new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Pods, 1, 60)));
    Run run = new Run(target(1, 50, 10, onePodPerMinute, NO_WINDOW_DOWN), 4);
    assertThat(run.after(1, 20, 0).to()).isEqualTo(2);
    // 20 s later the scale-down is outside its own 15 s period but inside the scale-up's 60 s one:
    // the period started at 2 + 2 removed = 4, so one pod over that is 5
    assertThat(run.after(20, 1000, 0).to()).isEqualTo(5);
    ScalingRules twoPodsPerMinute =
        new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(Type.Pods, 2, 60)));
    Run down = new Run(target(1, 50, 10, ScalingRules.DEFAULT_UP, twoPodsPerMinute), 2);
    assertThat(down.after(1, 60, 0).to()).isEqualTo(6);
    // the down period started at 6 - 4 added = 2: removing two pods from there leaves 0, so 1 (min)
    assertThat(down.after(1, 0, 0).to()).isEqualTo(1);
  }

  @Test
  void theToleranceIsSetPerDirection() {
    ScalingRules eagerUp = new ScalingRules(0, Select.Max, ScalingRules.DEFAULT_UP.policies(), 0.0);
    ScalingRules lazyDown =
        new ScalingRules(0, Select.Max, ScalingRules.DEFAULT_DOWN.policies(), 0.5);
    QueueTarget t = target(1, 50, 10, eagerUp, lazyDown);
    assertThat(new Run(t, 10).after(1, 101, 0).to())
        .as("ratio 1.01 with scale-up tolerance 0")
        .isEqualTo(11);
    assertThat(new Run(t, 10).after(1, 51, 0).to())
        .as("ratio 0.51 within scale-down tolerance 0.5")
        .isEqualTo(10);
    assertThat(new Run(t, 10).after(1, 49, 0).to()).as("ratio 0.49 outside it").isEqualTo(5);
    assertThat(new Run(defaults(1, 50, 10), 10).after(1, 109, 0).to())
        .as("default 0.1 up")
        .isEqualTo(10);
  }

  @Test
  void scaleEventsAreKeptAsTheHpaKeepsThem() {
    // the HPA replaces the last event older than the direction's longest period instead of
    // appending: the list stays short however long the service runs
    Run run = new Run(target(1, 500, 1, ScalingRules.DEFAULT_UP, NO_WINDOW_DOWN), 1);
    for (int i = 0; i < 200; i++) {
      run.after(20, 1 + (i % 2) * 3, 0);
    }
    assertThat(run.history.scaleUps()).hasSizeLessThanOrEqualTo(2);
    assertThat(run.history.scaleDowns()).hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void aLongSteadyRunKeepsAShortHistoryOfRecommendations() {
    // an hour's scale-down window polled every 100 ms: one recommendation per poll was 36,000
    // entries copied each tick; a noisy steady load recommends only a few counts
    Random random = new Random(7);
    ScalingRules down = new ScalingRules(3600, Select.Max, ScalingRules.DEFAULT_DOWN.policies());
    ScalingRules up = new ScalingRules(60, Select.Max, ScalingRules.DEFAULT_UP.policies());
    Run run = new Run(target(1, 50, 10, up, down), 5);
    int longest = 0;
    for (int i = 0; i < 9_000; i++) {
      run.clock.step(Duration.ofMillis(100));
      run.last =
          run.scaler.decide(
              run.target,
              run.replicas,
              new QueueReading.Observed(40 + random.nextInt(25), 0, Double.NaN),
              false,
              run.history);
      run.replicas = run.last.to();
      run.history = run.last.history();
      longest = Math.max(longest, run.history.recommendations().size());
    }
    assertThat(longest).as("recommendations kept after 15 minutes of 100 ms polls").isLessThan(20);
  }

  @Test
  void keepingFewerRecommendationsChangesNoDecision() {
    // the same run twice: one as the scaler keeps its history, one handed every recommendation
    // ever made (what an unbounded history holds); every decision must be the same
    Random random = new Random(11);
    for (int round = 0; round < 20; round++) {
      ScalingRules up =
          new ScalingRules(random.nextInt(4) * 30, Select.Max, ScalingRules.DEFAULT_UP.policies());
      ScalingRules down =
          new ScalingRules(
              random.nextInt(5) * 90, Select.Max, ScalingRules.DEFAULT_DOWN.policies());
      QueueTarget t = target(random.nextInt(3), 40, 10, up, down);
      Run kept = new Run(t, t.minReplicas());
      Run full = new Run(t, t.minReplicas());
      List<ScalingHistory.Recommendation> all = new ArrayList<>();
      long level = random.nextInt(200);
      for (int i = 0; i < 1_500; i++) {
        Duration step = Duration.ofMillis(100 + random.nextInt(3_000));
        level = Math.max(0, level + random.nextInt(41) - 20);
        long backlog = random.nextInt(20) == 0 ? 0 : level;
        QueueReading reading = new QueueReading.Observed(backlog, 0, Double.NaN);
        kept.clock.step(step);
        full.clock.step(step);
        Decision a = kept.scaler.decide(t, kept.replicas, reading, false, kept.history);
        ScalingHistory h = full.history;
        Decision b =
            full.scaler.decide(
                t,
                full.replicas,
                reading,
                false,
                new ScalingHistory(
                    List.copyOf(all),
                    h.scaleUps(),
                    h.scaleDowns(),
                    h.lastActive(),
                    h.consecutiveFailures()));
        assertThat(List.of(a.to(), a.reason(), a.message()))
            .as("round %d step %d", round, i)
            .isEqualTo(List.of(b.to(), b.reason(), b.message()));
        // the newest recommendation is always kept: the full list grows by it
        List<ScalingHistory.Recommendation> newest = b.history().recommendations();
        all.add(newest.get(newest.size() - 1));
        kept.replicas = a.to();
        kept.history = a.history();
        full.replicas = b.to();
        full.history = b.history();
      }
    }
  }

  @Test
  void propertyReplicasStayInBoundsAndGrowNoFasterThanThePolicy() {
    Random random = new Random(42);
    QueueTarget t =
        new QueueTarget(
            0,
            30,
            10,
            5,
            null,
            Duration.ofSeconds(30),
            ScalingRules.DEFAULT_UP,
            ScalingRules.DEFAULT_DOWN,
            3,
            2);
    Run run = new Run(t, 0);
    List<long[]> timeline = new ArrayList<>(); // {epochSecond, replicas}
    long idleSince = -1;
    for (int i = 0; i < 5000; i++) {
      int seconds = 1 + random.nextInt(10);
      long backlog = random.nextInt(10) < 3 ? 0 : random.nextInt(400);
      boolean fail = random.nextInt(50) == 0;
      int before = run.replicas;
      Decision d =
          fail
              ? run.read(seconds, new QueueReading.Failed("x"), false)
              : run.after(seconds, backlog, 0);
      long now = run.clock.instant().getEpochSecond();
      assertThat(d.to()).isBetween(t.minReplicas(), t.maxReplicas());
      long windowStart = now - 15;
      long startReplicas = before;
      for (long[] point : timeline) {
        if (point[0] <= windowStart) {
          startReplicas = point[1];
        }
      }
      if (timeline.isEmpty() || timeline.get(0)[0] > windowStart) {
        startReplicas = timeline.isEmpty() ? before : startReplicas;
      }
      if (d.to() > before && d.reason() != Reason.Fallback && d.reason() != Reason.Bounds) {
        assertThat(d.to())
            .as("step %d: growth within 15 s", i)
            .isLessThanOrEqualTo((int) Math.max(startReplicas + 4, 2 * startReplicas));
      }
      if (!fail) {
        idleSince = backlog == 0 ? (idleSince < 0 ? now : idleSince) : -1;
        if (d.to() == 0 && before > 0) {
          assertThat(idleSince)
              .as("step %d: zero only after the cooldown", i)
              .isGreaterThanOrEqualTo(0);
          assertThat(now - idleSince).isGreaterThanOrEqualTo(t.cooldown().toSeconds() - 10);
        }
      }
      timeline.add(new long[] {now, d.to()});
    }
  }
}
