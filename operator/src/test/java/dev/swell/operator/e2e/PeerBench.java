package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * `make bench-peers`: KEDA beside Swell on the same simulated cluster, the same Redis and the same
 * bursts, pushed to each one's list at the same instant: from 0 (KEDA at its default 30 s
 * pollingInterval and at 1 s), to the maximum, back to 0 under a scale-down policy, from 1 (where
 * KEDA hands over to the HPA), and which pods go on a scale-down while they hold work. Writes
 * docs/bench/peers.md. Not part of `make test`: it measures, it does not assert.
 */
class PeerBench {

  static final int ROUNDS = Integer.getInteger("swell.bench.peers.rounds", 8);
  static final int BUSY_ROUNDS = Integer.getInteger("swell.bench.peers.busyRounds", 3);
  static final int BURST = 200; // 20 per replica: 10 replicas
  static final int TOP = BURST / 20;
  static final String SCALE_UP =
      "{stabilizationWindowSeconds: 0, policies: [{type: Pods, value: 20, periodSeconds: 1}]}";
  static final String STEP_DOWN =
      "{stabilizationWindowSeconds: 0, policies: [{type: Pods, value: 2, periodSeconds: 5}]}";
  static final String FAST_DOWN =
      "{stabilizationWindowSeconds: 0, policies: [{type: Percent, value: 100, periodSeconds: 1}]}";

  /** One autoscaler under test: the Deployment it scales and the list it reads. */
  record Target(String label, String deployment, String list) {}

  /** A Deployment's spec.replicas as the watch saw it change. */
  record Point(Instant time, int replicas) {}

  final Map<String, List<Point>> timeline = new ConcurrentHashMap<>();
  final Random random = new Random(17);
  E2ECluster cluster;
  RedisCommands<String, String> redis;

  @Test
  void measure() throws Exception {
    Path home = Path.of(System.getProperty("swell.keda.home", ""));
    Path pki = Path.of(System.getProperty("swell.sim.pki", ""));
    assertThat(home.resolve("bin/keda")).as("KEDA built by hack/build-keda.sh").exists();
    try (RedisServer redisServer = RedisServer.plain().start();
        E2ECluster c = new E2ECluster("peers");
        Keda keda = Keda.start(c.client, home, pki);
        Watch w = watchReplicas(c)) {
      cluster = c;
      cluster.startOperator();
      RedisClient redisClient = RedisClient.create(redisServer.uri());
      redis = redisClient.connect().sync();
      String address = redisServer.host() + ":" + redisServer.port();
      List<Target> zero =
          List.of(
              swell("zero", 0, STEP_DOWN, redisServer.uri()),
              keda("k1", 1, 0, STEP_DOWN, address),
              keda("k30", null, 0, STEP_DOWN, address));
      List<Target> one =
          List.of(
              swell("one", 1, FAST_DOWN, redisServer.uri()),
              keda("k1one", 1, 1, FAST_DOWN, address));
      List<Target> busy =
          List.of(
              swell("busy", 0, FAST_DOWN, redisServer.uri()),
              keda("kbusy", 1, 0, FAST_DOWN, address));
      // a round that did not find every target at its starting count measures nothing: it is
      // left out of the numbers and named in the report
      List<String> excluded = new ArrayList<>();
      List<Round> fromZero = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        keep(fromZero(zero, i), fromZero, excluded, "from 0, round " + (i + 1));
      }
      List<Round> fromOne = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        keep(fromOne(one, i), fromOne, excluded, "from 1, round " + (i + 1));
      }
      List<Map<String, Boolean>> busyOutcomes = new ArrayList<>();
      for (int i = 0; i < BUSY_ROUNDS; i++) {
        List<String> unmet = waitAll(busy, 0, Duration.ofMinutes(3));
        if (unmet.isEmpty()) {
          busyOutcomes.add(busyPods(busy, i));
        } else {
          excluded.add("busy pod, round " + (i + 1) + ": " + String.join("; ", unmet));
        }
      }
      redisClient.shutdown();
      report(zero, fromZero, one, fromOne, busy, busyOutcomes, excluded);
    }
  }

  Target swell(String name, int min, String scaleDown, String uri) {
    cluster.apply(
        name,
        """
        image: swell/sample-app:0.1.0
        redis: {mode: External, external: {url: "%s"}}
        worker:
          queue: {key: %s-jobs, targetBacklogPerReplica: 20}
          autoscaling:
            minReplicas: %d
            maxReplicas: 20
            pollInterval: 1s
            cooldown: 5s
            behavior: {scaleUp: %s, scaleDown: %s}
        """
            .formatted(uri, name, min, SCALE_UP, scaleDown));
    return new Target("Swell (poll 1 s)", name + "-worker", name + "-jobs");
  }

  /** A plain Deployment and a ScaledObject on its list: pollingInterval null is KEDA's default. */
  Target keda(String name, Integer polling, int min, String scaleDown, String address) {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name + "-worker")
            .withNamespace(cluster.namespace)
            .endMetadata()
            .withNewSpec()
            .withReplicas(min)
            .withNewSelector()
            .addToMatchLabels("app", name)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", name)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("worker")
            .withImage("swell/sample-app:0.1.0")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    cluster.client.resource(d).forceConflicts().serverSideApply();
    cluster
        .client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: %s, namespace: %s}
                spec:
                  scaleTargetRef: {name: %s-worker}
                  %s
                  cooldownPeriod: 5
                  minReplicaCount: %d
                  maxReplicaCount: 20
                  advanced:
                    horizontalPodAutoscalerConfig:
                      behavior: {scaleUp: %s, scaleDown: %s}
                  triggers:
                  - type: redis
                    metadata: {address: "%s", listName: %s-jobs, listLength: "20"}
                """
                    .formatted(
                        name,
                        cluster.namespace,
                        name,
                        polling == null ? "" : "pollingInterval: " + polling,
                        min,
                        SCALE_UP,
                        scaleDown,
                        address,
                        name),
                GenericKubernetesResource.class))
        .forceConflicts()
        .serverSideApply();
    String label =
        polling == null ? "KEDA (pollingInterval 30 s, its default)" : "KEDA (pollingInterval 1 s)";
    return new Target(label, name + "-worker", name + "-jobs");
  }

  /** The seconds of one round per target, by measure (NaN where it never happened). */
  /** One round's times and paths down, and the starting counts it did not find. */
  record Round(
      Map<String, Map<String, Double>> seconds,
      Map<String, List<Integer>> downPaths,
      List<String> unmet) {}

  static void keep(Round r, List<Round> kept, List<String> excluded, String name) {
    if (r.unmet().isEmpty()) {
      kept.add(r);
    } else {
      excluded.add(name + ": " + String.join("; ", r.unmet()));
    }
  }

  /**
   * From 0: a burst of 200 items on every list at once, then the lists emptied once all are at the
   * top (or after 2 minutes), then back to 0.
   */
  Round fromZero(List<Target> targets, int round) throws Exception {
    List<String> unmet = waitAll(targets, 0, Duration.ofMinutes(3));
    // a different point of KEDA's 30 s poll each round: its scale to 0 came on a poll
    Thread.sleep(random.nextInt(30_000));
    Instant pushed = push(targets, BURST);
    waitAll(targets, TOP, Duration.ofMinutes(2));
    Instant emptied = Instant.now();
    targets.forEach(t -> redis.del(t.list()));
    waitAll(targets, 0, Duration.ofMinutes(3));
    Map<String, Map<String, Double>> seconds = new ConcurrentHashMap<>();
    Map<String, List<Integer>> paths = new ConcurrentHashMap<>();
    for (Target t : targets) {
      List<Point> points = points(t, pushed);
      seconds.put(
          t.deployment(),
          Map.of(
              "first", since(pushed, first(points, r -> r > 0)),
              "top", since(pushed, first(points, r -> r >= TOP)),
              "zero", since(emptied, first(points(t, emptied), r -> r == 0))));
      List<Integer> path = new ArrayList<>(List.of(at(t, emptied)));
      points(t, emptied).stream()
          .map(Point::replicas)
          .forEach(
              r -> {
                if (path.isEmpty() || path.getLast() != r) {
                  path.add(r);
                }
              });
      paths.put(t.deployment(), path);
    }
    System.out.printf("from 0, round %d/%d: %s, down %s%n", round + 1, ROUNDS, seconds, paths);
    return new Round(seconds, paths, unmet);
  }

  /** From 1 (KEDA's HPA in charge): a burst, to the first replica past 1, back to 1. */
  Round fromOne(List<Target> targets, int round) throws Exception {
    List<String> unmet = waitAll(targets, 1, Duration.ofMinutes(3));
    Thread.sleep(random.nextInt(15_000)); // a different point of the HPA's 15 s sync each round
    Instant pushed = push(targets, BURST);
    Instant deadline = Instant.now().plusSeconds(90);
    while (Instant.now().isBefore(deadline)
        && targets.stream().anyMatch(t -> first(points(t, pushed), r -> r > 1) == null)) {
      Thread.sleep(200);
    }
    targets.forEach(t -> redis.del(t.list()));
    Map<String, Map<String, Double>> seconds = new ConcurrentHashMap<>();
    for (Target t : targets) {
      seconds.put(
          t.deployment(), Map.of("up", since(pushed, first(points(t, pushed), r -> r > 1))));
    }
    System.out.printf("from 1, round %d/%d: %s%n", round + 1, ROUNDS, seconds);
    return new Round(seconds, Map.of(), unmet);
  }

  /**
   * 80 items bring 4 pods; then the pod that became Ready last (the ReplicaSet's first choice on a
   * scale-down) takes 5 items into its processing list, as the sample worker does, and the backlog
   * is emptied. Whether that pod is still there 45 s later, per target.
   */
  Map<String, Boolean> busyPods(List<Target> targets, int round) throws Exception {
    push(targets, 80);
    Map<String, String> held = new ConcurrentHashMap<>();
    for (Target t : targets) {
      Pod last = null;
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (System.nanoTime() < deadline) {
        List<Pod> ready = readyPods(t);
        if (ready.size() >= 4) {
          last = ready.stream().max(Comparator.comparing(PeerBench::readySince)).orElseThrow();
          break;
        }
        Thread.sleep(200);
      }
      assertThat(last).as("%s: 4 Ready pods", t.deployment()).isNotNull();
      String pod = last.getMetadata().getName();
      held.put(t.deployment(), pod);
      redis.lpush(t.list() + ":processing:" + pod, "a", "b", "c", "d", "e");
    }
    targets.forEach(t -> redis.del(t.list()));
    Thread.sleep(45_000);
    Map<String, Boolean> kept = new ConcurrentHashMap<>();
    for (Target t : targets) {
      String pod = held.get(t.deployment());
      Pod p = cluster.client.pods().inNamespace(cluster.namespace).withName(pod).get();
      kept.put(t.deployment(), p != null && p.getMetadata().getDeletionTimestamp() == null);
      redis.del(t.list() + ":processing:" + pod);
    }
    System.out.printf("busy pod, round %d/%d: kept %s%n", round + 1, BUSY_ROUNDS, kept);
    return kept;
  }

  List<Pod> readyPods(Target t) {
    Deployment d = cluster.deployment(t.deployment());
    return cluster
        .client
        .pods()
        .inNamespace(cluster.namespace)
        .withLabels(d.getSpec().getSelector().getMatchLabels())
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && readySince(p) != null)
        .toList();
  }

  static String readySince(Pod p) {
    return p.getStatus() == null || p.getStatus().getConditions() == null
        ? null
        : p.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
            .map(c -> c.getLastTransitionTime())
            .findFirst()
            .orElse(null);
  }

  Instant push(List<Target> targets, int items) {
    String[] values = IntStream.range(0, items).mapToObj(String::valueOf).toArray(String[]::new);
    Instant t0 = Instant.now();
    targets.forEach(t -> redis.lpush(t.list(), values));
    return t0;
  }

  Watch watchReplicas(E2ECluster c) {
    return c.client
        .apps()
        .deployments()
        .inNamespace(c.namespace)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Deployment d) {
                Integer r = d.getSpec().getReplicas();
                if (r != null) {
                  timeline
                      .computeIfAbsent(
                          d.getMetadata().getName(),
                          k -> Collections.synchronizedList(new ArrayList<>()))
                      .add(new Point(Instant.now(), r));
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  List<Point> points(Target t, Instant from) {
    List<Point> all = timeline.getOrDefault(t.deployment(), List.of());
    synchronized (all) {
      return all.stream().filter(p -> !p.time().isBefore(from)).toList();
    }
  }

  /** spec.replicas at an instant: the last change the watch saw before it. */
  int at(Target t, Instant when) {
    List<Point> all = timeline.getOrDefault(t.deployment(), List.of());
    synchronized (all) {
      return all.stream()
          .filter(p -> p.time().isBefore(when))
          .reduce((a, b) -> b)
          .map(Point::replicas)
          .orElse(0);
    }
  }

  static Instant first(List<Point> points, IntPredicate test) {
    return points.stream()
        .filter(p -> test.test(p.replicas()))
        .map(Point::time)
        .findFirst()
        .orElse(null);
  }

  static double since(Instant t0, Instant t1) {
    return t1 == null ? Double.NaN : Duration.between(t0, t1).toNanos() / 1e9;
  }

  /** Waits for every target to reach {@code replicas}; the ones that did not, and why. */
  List<String> waitAll(List<Target> targets, int replicas, Duration timeout)
      throws InterruptedException {
    List<String> unmet = new ArrayList<>();
    for (Target t : targets) {
      try {
        ReactionBench.waitReplicas(cluster, t.deployment(), replicas, timeout);
      } catch (IllegalStateException e) {
        System.out.println("bench: " + e.getMessage());
        unmet.add(e.getMessage());
      }
    }
    return unmet;
  }

  static String medianP99(List<Double> v) {
    return v.isEmpty()
        ? "never"
        : "%.1f s / %.1f s"
            .formatted(ReactionBench.percentile(v, 50), ReactionBench.percentile(v, 99));
  }

  void report(
      List<Target> zero,
      List<Round> fromZero,
      List<Target> one,
      List<Round> fromOne,
      List<Target> busy,
      List<Map<String, Boolean>> busyOutcomes,
      List<String> excluded)
      throws Exception {
    StringBuilder s = new StringBuilder();
    s.append(
        """
        ## KEDA beside Swell

        Measured by `make bench-peers` (`PeerBench`) on the simulated cluster (KWOK nodes, the HPA
        controller at its default 15 s sync): KEDA %s (operator and metrics adapter built from
        source by hack/build-keda.sh, run as local processes, the adapter serving
        external.metrics.k8s.io) and Swell's operator, each scaling its own Deployment from its own
        Redis list on one redis-server (KEDA's `redis` trigger, `listLength: 20`; Swell's `List`
        queue, `targetBacklogPerReplica: 20`), the same behavior for both (scale up by 20 pods a
        second; down by 2 pods per 5 s; 5 s cooldown), every burst pushed to each list at the same
        instant, %d rounds from 0 and from 1, each after a random wait (up to 30 s from 0, 15 s from
        1) so bursts land at every point of KEDA's poll and the HPA's sync. Times are from the push to the Deployment's `spec.replicas` (median / p99).

        | from 0 | %s |
        |---|%s
        """
            .formatted(
                System.getProperty("swell.keda.version", "v2.20"),
                fromZero.size(),
                String.join(" | ", zero.stream().map(Target::label).toList()),
                "---|".repeat(zero.size())));
    row(s, "burst of 200 -> first replica", zero, t -> medianP99(values(fromZero, t, "first")));
    row(s, "burst of 200 -> 10 replicas", zero, t -> medianP99(values(fromZero, t, "top")));
    row(s, "list emptied at 10 -> 0 replicas", zero, t -> medianP99(values(fromZero, t, "zero")));
    row(
        s,
        "the path down (last round; policy: 2 pods per 5 s)",
        zero,
        t ->
            String.join(
                " -> ",
                fromZero.getLast().downPaths().get(t.deployment()).stream()
                    .map(String::valueOf)
                    .toList()));
    row(
        s,
        "largest single step down, over all rounds",
        zero,
        t -> String.valueOf(largestStep(fromZero, t)));
    s.append(
        """

        The way down: Swell follows the scale-down policy all the way to 0, one step of 2 pods per
        5 s, so its time to 0 is the policy's; KEDA hands what is left to 0 at once when its
        cooldown has passed, whatever the policy (kedacore/keda#7770), and at a 30 s poll only at
        a poll.
        """);
    double swellFirst = ReactionBench.percentile(values(fromZero, zero.get(0), "first"), 50);
    double swellTop = ReactionBench.percentile(values(fromZero, zero.get(0), "top"), 50);
    List<String> ratios = new ArrayList<>();
    for (Target t : zero.subList(1, zero.size())) {
      ratios.add(
          "%s: first replica **%.1fx**, 10 replicas **%.1fx**"
              .formatted(
                  t.label(),
                  ReactionBench.percentile(values(fromZero, t, "first"), 50) / swellFirst,
                  ReactionBench.percentile(values(fromZero, t, "top"), 50) / swellTop));
    }
    s.append("\nRatios of medians, KEDA's time over Swell's (above 1: Swell sooner): ")
        .append(String.join("; ", ratios))
        .append(".\n");
    s.append("\n| from 1 (KEDA: the HPA decides) | ");
    s.append(String.join(" | ", one.stream().map(Target::label).toList())).append(" |\n|---|");
    s.append("---|".repeat(one.size())).append('\n');
    row(s, "burst of 200 -> a replica more", one, t -> medianP99(values(fromOne, t, "up")));
    s.append(
        "\nRatio of medians, KEDA's time over Swell's: **%.1fx**.\n"
            .formatted(
                ReactionBench.percentile(values(fromOne, one.get(1), "up"), 50)
                    / ReactionBench.percentile(values(fromOne, one.get(0), "up"), 50)));
    s.append(
        """

        Busy pods on a scale-down: 80 items bring 4 pods; the pod that became Ready last (the
        ReplicaSet's first choice) then holds 5 items in its processing list, as the sample worker
        does while it runs a batch, and the backlog is emptied.

        | %s | kept the busy pod (rounds) |
        |---|---|
        """
            .formatted("autoscaler"));
    for (Target t : busy) {
      long kept = busyOutcomes.stream().filter(m -> m.get(t.deployment())).count();
      s.append("| %s | %d of %d |\n".formatted(t.label(), kept, busyOutcomes.size()));
    }
    if (!excluded.isEmpty()) {
      s.append("\nRounds left out (a target was not at the starting count):\n");
      excluded.forEach(e -> s.append("- ").append(e).append('\n'));
    }
    s.append("\nRaw rounds (s), per Deployment (zero-, one-, busy-: Swell's; k*: KEDA's):\n");
    fromZero.forEach(r -> s.append("- from 0: ").append(raw(r)).append('\n'));
    fromOne.forEach(r -> s.append("- from 1: ").append(raw(r)).append('\n'));
    Path out = Path.of("../docs/bench/peers.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, s.toString());
    System.out.println(s);
  }

  static String raw(Round r) {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(r.seconds())
        .forEach(
            (deployment, m) ->
                parts.add(
                    deployment
                        + " "
                        + String.join(
                            ", ",
                            new TreeMap<>(m)
                                .entrySet().stream()
                                    .map(e -> "%s %.2f".formatted(e.getKey(), e.getValue()))
                                    .toList())));
    return String.join("; ", parts);
  }

  static List<Double> values(List<Round> rounds, Target t, String measure) {
    return rounds.stream()
        .map(r -> r.seconds().get(t.deployment()).get(measure))
        .filter(v -> !v.isNaN())
        .toList();
  }

  static int largestStep(List<Round> rounds, Target t) {
    int largest = 0;
    for (Round r : rounds) {
      List<Integer> path = r.downPaths().get(t.deployment());
      for (int i = 1; i < path.size(); i++) {
        largest = Math.max(largest, path.get(i - 1) - path.get(i));
      }
    }
    return largest;
  }

  static void row(
      StringBuilder s, String what, List<Target> targets, Function<Target, String> cell) {
    s.append("| ").append(what).append(" | ");
    s.append(String.join(" | ", targets.stream().map(cell).toList())).append(" |\n");
  }
}
