package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.SteppedClock;
import dev.swell.operator.api.QueueSpec;
import dev.swell.operator.api.WorkerAutoscaling;
import dev.swell.operator.api.WorkerSpec;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.autoscaling.QueueReading;
import dev.swell.operator.autoscaling.QueueScaler;
import dev.swell.operator.autoscaling.QueueTarget;
import dev.swell.operator.autoscaling.ScalingHistory;
import dev.swell.operator.scaling.QueueTargets;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Swell's QueueScaler against the real HPA controller of kube-controller-manager 1.33. Each case
 * gives an HPA and Swell the same bounds, target and behavior, and the same series of metric
 * values: the HPA reads them as an external metric (AverageValue, the shape of a queue backlog)
 * from a metrics API this test serves, and each value the HPA read, at the time it read it, is then
 * given to the QueueScaler with a clock set to that time. The replica counts must agree after every
 * sync. The cases are the HPA documentation's behavior examples, with their periods and windows
 * shortened to a few syncs (the simulated cluster syncs every 2 s in `make test`), and seeded
 * random behaviors and series (bursts, flapping, random walks; Min, Max and Disabled policies;
 * per-direction tolerances). Windows and periods are odd numbers of seconds so that no event sits
 * on a cut-off within the jitter of the 2 s sync.
 *
 * <p>What Swell adds to the HPA is not compared one to one, and the last case checks it instead:
 * from minReplicas 0 Swell goes to zero after the cooldown and comes back on the first read with
 * work, where the HPA (which cannot go below 1 without an alpha feature) stays at 1. Drain time and
 * fallback play no part here: no case sets a drain time, and every read succeeds.
 */
class HpaDifferentialE2E {

  static final String METRIC = "queue_backlog";
  static KubernetesClient client;
  static ExternalMetricsServer metrics;
  static ExternalMetricsApi externalMetrics;

  /** One comparison: the HPA's and Swell's settings and the metric series. */
  record Case(
      String name,
      int min,
      int max,
      long target,
      int initial,
      HorizontalPodAutoscalerBehavior behavior,
      long[] series) {}

  /** What one HPA sync saw and did: when it read, what, the replicas before and after. */
  record Sync(Instant time, long value, int current, int statusReplicas, int after) {}

  /** The Deployment's spec and status replicas, as the watch saw them change. */
  record Seen(Instant time, int spec, int status) {}

  @BeforeAll
  static void start() throws Exception {
    client = new KubernetesClientBuilder().withConfig(Config.autoConfigure(null)).build();
    metrics = new ExternalMetricsServer();
    externalMetrics =
        ExternalMetricsApi.register(client, "swell-e2e-external-metrics", metrics.port());
  }

  @AfterAll
  static void stop() {
    externalMetrics.close();
    metrics.close();
    client.close();
  }

  @Test
  void theQueueScalerMakesTheHpasDecisionAtEverySync() throws Exception {
    List<Case> cases = new ArrayList<>(documentationCases());
    for (long seed = 1; seed <= 4; seed++) {
      cases.add(randomCase(seed));
    }
    Case zero =
        new Case(
            "to-and-from-zero",
            1,
            8,
            10,
            1,
            behavior(rules(0, "Max", pods(4, 3)), rules(0, "Max", percent(100, 3))),
            series(40, 40, 0, 0, 0, 0, 0, 0, 30, 30, 0, 0, 0, 0, 0, 0, 55, 0));
    cases.add(zero);
    Map<String, List<Sync>> runs = new ConcurrentHashMap<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (Case c : cases) {
        futures.add(
            pool.submit(
                () -> {
                  runs.put(c.name(), runOnTheHpa(c));
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }

    List<Duration> gaps = new ArrayList<>();
    runs.values()
        .forEach(
            r -> {
              for (int i = 1; i < r.size(); i++) {
                gaps.add(Duration.between(r.get(i - 1).time(), r.get(i).time()));
              }
            });
    gaps.sort(null);
    assertThat(gaps.get(gaps.size() / 2))
        .as(
            "the HPA's sync period (make test starts the simulated cluster with"
                + " SWELL_SIM_HPA_SYNC=2s)")
        .isLessThan(Duration.ofSeconds(5));

    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    for (Case c : cases) {
      if (c == zero) {
        continue;
      }
      List<Sync> hpa = runs.get(c.name());
      assertThat(hpa).as(c.name() + ": syncs").hasSize(c.series().length);
      compared += hpa.size();
      String mismatch = compare(c, hpa);
      if (mismatch != null) {
        mismatches.add(mismatch);
      }
    }
    assertThat(mismatches)
        .as(
            "QueueScaler vs the HPA over "
                + compared
                + " syncs of "
                + (cases.size() - 1)
                + " cases")
        .isEmpty();
    checkWhatSwellAdds(zero, runs.get(zero.name()));
  }

  /** Replays the HPA's reads through the QueueScaler; the first sync where they differ, or null. */
  static String compare(Case c, List<Sync> hpa) {
    SteppedClock clock = new SteppedClock();
    clock.set(hpa.get(0).time());
    QueueScaler scaler = new QueueScaler(clock);
    QueueTarget target = QueueTargets.from(worker(c, c.min(), "0s"));
    ScalingHistory history =
        ScalingHistory.start(clock.instant()).seeded(clock.instant(), c.initial());
    StringBuilder trace = new StringBuilder();
    for (int i = 0; i < hpa.size(); i++) {
      Sync s = hpa.get(i);
      clock.set(s.time());
      Decision d =
          scaler.decide(
              target,
              s.current(),
              new QueueReading.Observed(s.value(), 0, Double.NaN),
              false,
              history);
      history = d.history();
      trace.append(
          String.format(
              "%n  sync %2d at +%5.1fs: value %4d, %2d -> HPA %2d, Swell %2d (%s)",
              i,
              Duration.between(hpa.get(0).time(), s.time()).toMillis() / 1000.0,
              s.value(),
              s.current(),
              s.after(),
              d.to(),
              d.message()));
      if (d.to() != s.after()) {
        String settled =
            s.statusReplicas() == s.current()
                ? ""
                : " (the Deployment had "
                    + s.statusReplicas()
                    + " pods, not "
                    + s.current()
                    + ", when the HPA read)";
        return c.name() + " [" + describe(c) + "]: differs at sync " + i + settled + trace;
      }
    }
    return null;
  }

  /** Swell with minReplicas 0 and a cooldown on the same reads, against the HPA held at 1. */
  static void checkWhatSwellAdds(Case c, List<Sync> hpa) {
    Duration cooldown = Duration.ofSeconds(5);
    SteppedClock clock = new SteppedClock();
    clock.set(hpa.get(0).time());
    QueueScaler scaler = new QueueScaler(clock);
    QueueTarget target = QueueTargets.from(worker(c, 0, cooldown.toSeconds() + "s"));
    ScalingHistory history =
        ScalingHistory.start(clock.instant()).seeded(clock.instant(), c.initial());
    int swell = c.initial();
    Instant lastWork = hpa.get(0).time();
    boolean wentToZero = false;
    boolean cameBack = false;
    for (Sync s : hpa) {
      clock.set(s.time());
      int before = swell;
      Decision d =
          scaler.decide(
              target, before, new QueueReading.Observed(s.value(), 0, Double.NaN), false, history);
      history = d.history();
      swell = d.to();
      if (swell == 0 && before > 0) {
        wentToZero = true;
        assertThat(s.value()).as("Swell goes to 0 only when idle").isZero();
        assertThat(Duration.between(lastWork, s.time()))
            .as("and only a cooldown after the last read with work")
            .isGreaterThanOrEqualTo(cooldown);
        assertThat(s.after()).as("where the HPA stays at its minimum").isEqualTo(1);
      }
      if (s.value() > 0) {
        lastWork = s.time();
      }
      if (before == 0 && s.value() > 0) {
        cameBack = true;
        assertThat(swell)
            .as("back from 0 on the first read with work (value %d)", s.value())
            .isEqualTo((int) Math.min(c.max(), Math.min(4, Math.ceilDiv(s.value(), c.target()))));
      }
    }
    assertThat(wentToZero).as("the series lets Swell reach 0").isTrue();
    assertThat(cameBack).as("and come back").isTrue();
  }

  /** Creates the Deployment and HPA, feeds the series one value per sync, and records each sync. */
  static List<Sync> runOnTheHpa(Case c) {
    String ns = "e2e-hpa-" + c.name();
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .serverSideApply();
    try {
      Deployment d =
          new DeploymentBuilder()
              .withNewMetadata()
              .withName("w")
              .withNamespace(ns)
              .endMetadata()
              .withNewSpec()
              .withReplicas(c.initial())
              .withNewSelector()
              .addToMatchLabels("app", "w")
              .endSelector()
              .withNewTemplate()
              .withNewMetadata()
              .addToLabels("app", "w")
              .endMetadata()
              .withNewSpec()
              .addToNodeSelector("type", "kwok")
              .addNewContainer()
              .withName("w")
              .withImage("swell.invalid/none:1")
              .endContainer()
              .endSpec()
              .endTemplate()
              .endSpec()
              .build();
      client.resource(d).forceConflicts().serverSideApply();
      await(ns + ": " + c.initial() + " pods")
          .atMost(Duration.ofSeconds(60))
          .until(() -> replicas(ns)[1] == c.initial());
      List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
      seen.add(new Seen(Instant.now(), c.initial(), c.initial()));
      metrics.set(ns, c.series()[0]);
      try (Watch ignored =
          client
              .apps()
              .deployments()
              .inNamespace(ns)
              .withName("w")
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Deployment dep) {
                      Integer status =
                          dep.getStatus() == null ? null : dep.getStatus().getReplicas();
                      seen.add(
                          new Seen(
                              Instant.now(),
                              dep.getSpec().getReplicas(),
                              status == null ? 0 : status));
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  })) {
        client
            .resource(
                new HorizontalPodAutoscalerBuilder()
                    .withNewMetadata()
                    .withName("w")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withNewScaleTargetRef()
                    .withApiVersion("apps/v1")
                    .withKind("Deployment")
                    .withName("w")
                    .endScaleTargetRef()
                    .withMinReplicas(c.min())
                    .withMaxReplicas(c.max())
                    .addNewMetric()
                    .withType("External")
                    .withNewExternal()
                    .withNewMetric()
                    .withName(METRIC)
                    .endMetric()
                    .withNewTarget()
                    .withType("AverageValue")
                    .withAverageValue(new Quantity(String.valueOf(c.target())))
                    .endTarget()
                    .endExternal()
                    .endMetric()
                    .withBehavior(c.behavior())
                    .endSpec()
                    .build())
            .create();
        int n = c.series().length;
        Instant deadline = Instant.now().plusSeconds(30 + 6L * n);
        int fed = 0;
        while (metrics.reads(ns).size() < n) {
          int read = metrics.reads(ns).size();
          if (read > fed && read < n) {
            metrics.set(ns, c.series()[read]); // the next sync reads the next value
            fed = read;
          }
          assertThat(Instant.now())
              .as(ns + ": the HPA read " + read + " of " + n + " values")
              .isBefore(deadline);
          sleep(20);
        }
        sleep(1500); // the last sync's scale reaches the watch
        List<ExternalMetricsServer.Read> reads = metrics.reads(ns).subList(0, n);
        List<Seen> timeline = List.copyOf(seen);
        List<Sync> syncs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Instant t = reads.get(i).time();
          Instant next = i + 1 < n ? reads.get(i + 1).time() : Instant.now();
          Seen before = at(timeline, t);
          syncs.add(
              new Sync(
                  t,
                  reads.get(i).value(),
                  before.spec(),
                  before.status(),
                  at(timeline, next).spec()));
        }
        return syncs;
      }
    } finally {
      client.namespaces().withName(ns).delete();
    }
  }

  /** The last state seen before a time. */
  static Seen at(List<Seen> timeline, Instant t) {
    Seen last = timeline.get(0);
    for (Seen s : timeline) {
      if (s.time().isBefore(t)) {
        last = s;
      }
    }
    return last;
  }

  static int[] replicas(String ns) {
    Deployment d = client.apps().deployments().inNamespace(ns).withName("w").get();
    Integer status = d.getStatus() == null ? null : d.getStatus().getReplicas();
    return new int[] {d.getSpec().getReplicas(), status == null ? 0 : status};
  }

  /** The worker spec a user would write for the same settings. */
  static WorkerSpec worker(Case c, int min, String cooldown) {
    WorkerSpec w = new WorkerSpec();
    w.queue = new QueueSpec();
    w.queue.key = "q";
    w.queue.targetBacklogPerReplica = c.target();
    w.autoscaling = new WorkerAutoscaling();
    w.autoscaling.minReplicas = min;
    w.autoscaling.maxReplicas = c.max();
    w.autoscaling.cooldown = cooldown;
    w.autoscaling.behavior = c.behavior();
    return w;
  }

  /**
   * The behavior examples of the HPA documentation (kubernetes.io, "Horizontal Pod Autoscaling",
   * configurable scaling behavior), periods and windows of 60 s and 300 s made 9 s and 7 s.
   */
  static List<Case> documentationCases() {
    long[] wave =
        series(
            15, 35, 80, 120, 120, 60, 20, 5, 5, 5, 90, 110, 30, 0, 0, 0, 0, 40, 40, 10, 10, 10, 10,
            10);
    return List.of(
        // the default behavior, as the docs print it (the 300 s down window kept: it holds)
        new Case(
            "docs-default",
            1,
            12,
            10,
            1,
            behavior(
                rules(0, "Max", percent(100, 15), pods(4, 15)),
                rules(300, "Max", percent(100, 15))),
            wave),
        // "scaleDown: policies: Pods 4 per 60 s and Percent 10 per 60 s" (the larger change wins)
        new Case(
            "docs-scale-down-policies",
            1,
            12,
            10,
            10,
            behavior(null, rules(0, "Max", pods(4, 9), percent(10, 9))),
            series(
                100, 60, 30, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 120, 120, 5, 5, 5, 5, 5,
                5)),
        // the same with selectPolicy Min: the smaller change wins
        new Case(
            "docs-select-min",
            1,
            12,
            10,
            10,
            behavior(null, rules(0, "Min", pods(4, 9), percent(10, 9))),
            series(100, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)),
        // "stabilizationWindowSeconds: 300" for scaling down: the highest recent recommendation
        new Case(
            "docs-stabilization",
            1,
            12,
            10,
            2,
            behavior(null, rules(7, "Max", percent(100, 3))),
            series(
                20, 80, 30, 90, 10, 10, 10, 10, 10, 70, 10, 10, 10, 10, 10, 10, 45, 10, 10, 10,
                10)),
        // "scale up 900% every 60 s" and "limit scale down to 1 pod per 60 s"
        new Case(
            "docs-rates",
            1,
            12,
            5,
            1,
            behavior(rules(0, "Max", percent(900, 9)), rules(0, "Max", pods(1, 9))),
            series(10, 60, 60, 60, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 30, 30)),
        // "selectPolicy: Disabled" for scaling down
        new Case(
            "docs-disable-scale-down",
            1,
            12,
            10,
            2,
            behavior(null, disabled()),
            series(50, 10, 0, 0, 90, 0, 0, 0, 130, 0, 0)),
        // KEP-4951: a tolerance per direction (1.33, HPAConfigurableTolerance)
        new Case(
            "docs-tolerance",
            1,
            12,
            100,
            4,
            behavior(
                tolerant(rules(0, "Max", pods(4, 3)), "0.02"),
                tolerant(rules(0, "Max", pods(4, 3)), "0.3")),
            series(
                400, 405, 410, 300, 290, 270, 310, 330, 100, 100, 95, 70, 69, 60, 600, 620, 640,
                700)));
  }

  /** A seeded random behavior, bounds and series. */
  static Case randomCase(long seed) {
    Random r = new Random(seed);
    int[] periods = {3, 5, 7, 9, 11};
    int[] windows = {0, 0, 3, 5, 7, 9};
    HPAScalingRules up = randomRules(r, windows, periods, true);
    HPAScalingRules down = randomRules(r, windows, periods, false);
    int min = 1 + r.nextInt(2);
    int max = 6 + r.nextInt(7);
    long target = r.nextBoolean() ? 5 : 10;
    int steps = 28;
    long[] values = new long[steps];
    long level = r.nextInt(40);
    for (int i = 0; i < steps; i++) {
      int shape = r.nextInt(10);
      if (shape < 2) {
        level = r.nextInt(3) * target * max; // a burst or a drop to nothing
      } else if (shape < 4) {
        level = i % 2 == 0 ? target * 2 : target * 5; // flapping
      } else {
        level = Math.max(0, level + r.nextInt((int) target * 4 + 1) - target * 2); // a random walk
      }
      values[i] = level;
    }
    return new Case(
        "seed-" + seed, min, max, target, min + r.nextInt(3), behavior(up, down), values);
  }

  static HPAScalingRules randomRules(Random r, int[] windows, int[] periods, boolean up) {
    int n = 1 + r.nextInt(2);
    HPAScalingPolicy[] policies = new HPAScalingPolicy[n];
    for (int i = 0; i < n; i++) {
      int period = periods[r.nextInt(periods.length)];
      policies[i] =
          r.nextBoolean()
              ? pods(1 + r.nextInt(4), period)
              : percent(up ? 50 + 50 * r.nextInt(5) : 10 + 30 * r.nextInt(4), period);
    }
    String select =
        switch (r.nextInt(7)) {
          case 0, 1 -> "Min";
          case 2 -> up ? "Max" : "Disabled";
          default -> "Max";
        };
    HPAScalingRules rules = rules(windows[r.nextInt(windows.length)], select, policies);
    String[] tolerances = {null, null, "0", "0.05", "0.25"};
    String tolerance = tolerances[r.nextInt(tolerances.length)];
    return tolerance == null ? rules : tolerant(rules, tolerance);
  }

  static String describe(Case c) {
    return "min "
        + c.min()
        + ", max "
        + c.max()
        + ", target "
        + c.target()
        + ", from "
        + c.initial()
        + ", up "
        + rulesText(c.behavior().getScaleUp())
        + ", down "
        + rulesText(c.behavior().getScaleDown())
        + ", series "
        + Arrays.toString(c.series());
  }

  static String rulesText(HPAScalingRules r) {
    if (r == null) {
      return "default";
    }
    StringBuilder b =
        new StringBuilder("{window ")
            .append(r.getStabilizationWindowSeconds())
            .append(", ")
            .append(r.getSelectPolicy());
    r.getPolicies()
        .forEach(
            p ->
                b.append(", ")
                    .append(p.getType())
                    .append(' ')
                    .append(p.getValue())
                    .append('/')
                    .append(p.getPeriodSeconds())
                    .append('s'));
    if (r.getTolerance() != null) {
      b.append(", tolerance ").append(r.getTolerance());
    }
    return b.append('}').toString();
  }

  static HorizontalPodAutoscalerBehavior behavior(HPAScalingRules up, HPAScalingRules down) {
    HorizontalPodAutoscalerBehavior b = new HorizontalPodAutoscalerBehavior();
    b.setScaleUp(up);
    b.setScaleDown(down);
    return b;
  }

  static HPAScalingRules rules(int window, String select, HPAScalingPolicy... policies) {
    HPAScalingRules r = new HPAScalingRules();
    r.setStabilizationWindowSeconds(window);
    r.setSelectPolicy(select);
    r.setPolicies(List.of(policies));
    return r;
  }

  static HPAScalingRules disabled() {
    return rules(0, "Disabled", percent(100, 15));
  }

  static HPAScalingRules tolerant(HPAScalingRules r, String tolerance) {
    r.setTolerance(new Quantity(tolerance));
    return r;
  }

  static HPAScalingPolicy pods(int value, int period) {
    return new HPAScalingPolicy(period, "Pods", value);
  }

  static HPAScalingPolicy percent(int value, int period) {
    return new HPAScalingPolicy(period, "Percent", value);
  }

  static long[] series(long... values) {
    return values;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
