package dev.swell.operator.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * `make bench-scale`: {@link ScaleRun} at each size of {@code swell.bench.scale.sizes} (default
 * 100, 1000, 5000) on one shared redis-server, with {@code swell.bench.scale.replicas} operator
 * replicas (default 2, 3) at {@link #REPLICA_SIZE}, and once with {@code
 * swell.bench.scale.endpoints} Redis servers at {@code swell.bench.scale.variant} services. Writes
 * docs/bench/scale.md. Not part of `make test` (ScaleE2E is its asserted small run): it measures,
 * it does not assert.
 */
class ScaleBench {

  static final List<Integer> SIZES =
      Arrays.stream(System.getProperty("swell.bench.scale.sizes", "100,1000,5000").split(","))
          .map(String::trim)
          .filter(r -> !r.isEmpty())
          .map(Integer::valueOf)
          .toList();
  static final int ENDPOINTS = Integer.getInteger("swell.bench.scale.endpoints", 50);
  static final int VARIANT = Integer.getInteger("swell.bench.scale.variant", 1000);
  static final List<Integer> REPLICAS =
      Arrays.stream(System.getProperty("swell.bench.scale.replicas", "2,3").split(","))
          .map(String::trim)
          .filter(r -> !r.isEmpty())
          .map(Integer::valueOf)
          .toList();

  /**
   * The size the 2- and 3-replica rows run at: 1,000, where one replica is not saturated on a
   * 2-core machine; replicas on the same cores add no CPU, so a saturated size shows only that.
   */
  static final int REPLICA_SIZE = Integer.getInteger("swell.bench.scale.replicaSize", 1000);

  static final int ROUNDS = 3;
  static final Duration STEADY = Duration.ofSeconds(60);

  record Row(
      int services,
      int endpoints,
      int replicas,
      double created,
      double converged,
      double settled,
      ScaleRun.Window steady,
      ScaleRun.Window bursting,
      List<Double> reactions,
      int missed,
      List<Double> specChanges,
      double restart,
      double restartWrites,
      double evaluationP99,
      double liveHeap,
      double maxQueue) {}

  @Test
  void measure() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int size : SIZES) {
      rows.add(run(size, 1, 1));
      write(rows);
    }
    for (int replicas : REPLICAS) {
      rows.add(run(REPLICA_SIZE, 1, replicas));
      write(rows);
    }
    if (ENDPOINTS > 1 && VARIANT > 0) {
      rows.add(run(VARIANT, ENDPOINTS, 1));
      write(rows);
    }
  }

  static Row run(int size, int endpoints, int replicas) throws Exception {
    String namespace = "scale-" + size + "-" + endpoints + "-" + replicas;
    System.out.printf(
        "== %d services, %d Redis endpoint(s), %d operator replica(s)%n",
        size, endpoints, replicas);
    try (ScaleRun run = new ScaleRun(namespace, size, endpoints, "512m", replicas)) {
      run.startOperator();
      long start = System.nanoTime();
      double created = run.createAll();
      System.out.printf("  created in %.1f s%n", created);
      double converged = run.awaitConverged(start, Duration.ofMinutes(30));
      System.out.printf("  converged in %.1f s%n", converged);
      long convergedAt = System.nanoTime();
      // new workers start at 1 (the Deployment's default) until their loop's first tick takes them
      // to 0
      run.awaitAllAtZero(Duration.ofMinutes(10));
      // idle is what an operator keeps doing once the first reconciles' writes are out
      double settled =
          Double.isNaN(run.awaitQuiet(Duration.ofSeconds(15), Duration.ofMinutes(5)))
              ? Double.NaN
              : ScaleRun.seconds(convergedAt);
      System.out.printf("  settled (no write for 15 s) %.1f s after converging%n", settled);
      ScaleRun.Window steady = run.measure(STEADY, () -> {});
      System.out.printf("  steady: %s%n", steady);
      double liveHeap =
          run.operators.stream()
              .mapToDouble(OperatorProcess::liveHeapBytes)
              .max()
              .orElse(Double.NaN);
      List<Double> reactions = new ArrayList<>();
      int[] missed = {0};
      AtomicReference<Exception> failed = new AtomicReference<>();
      double[] maxQueue = {0};
      ScaleRun.Window bursting =
          run.measure(
              Duration.ofSeconds(20L * ROUNDS),
              () -> {
                try {
                  for (int r = 0; r < ROUNDS; r++) {
                    ScaleRun.Bursts b = run.burst(Math.max(1, size / 10), Duration.ofSeconds(60));
                    synchronized (reactions) {
                      reactions.addAll(b.reactions());
                    }
                    missed[0] += b.missed();
                    maxQueue[0] = Math.max(maxQueue[0], reconcileQueue(run));
                    System.out.printf(
                        "  burst round %d: %d queues, median %.2f s, p99 %.2f s, missed %d%n",
                        r + 1,
                        b.reactions().size() + b.missed(),
                        ScaleRun.percentile(b.reactions(), 50),
                        ScaleRun.percentile(b.reactions(), 99),
                        b.missed());
                    Thread.sleep(5_000);
                  }
                } catch (Exception e) {
                  failed.set(e);
                }
              });
      if (failed.get() != null) {
        throw failed.get();
      }
      double evaluationP99 =
          run.operators.stream()
              .mapToDouble(
                  p ->
                      OperatorProcess.sum(
                          p.scrape(),
                          "swell_scaling_evaluation_seconds",
                          l -> l.contains("quantile=\"0.99\"")))
              .max()
              .orElse(Double.NaN);
      List<Double> specChanges = run.specChanges(20, Duration.ofSeconds(120));
      run.awaitAllAtZero(Duration.ofMinutes(5));
      Thread.sleep(10_000);
      double restart = run.restart(Duration.ofMinutes(30));
      double restartWrites =
          run.writesSinceRestart().values().stream().mapToDouble(Double::doubleValue).sum();
      System.out.printf("  restart: converged in %.1f s, %s%n", restart, run.writesSinceRestart());
      return new Row(
          size,
          endpoints,
          replicas,
          created,
          converged,
          settled,
          steady,
          bursting,
          reactions,
          missed[0],
          specChanges,
          restart,
          restartWrites,
          evaluationP99,
          liveHeap,
          maxQueue[0]);
    } finally {
      awaitNamespaceGone(namespace);
    }
  }

  /** JOSDK's reconcile queue: resources waiting for a reconcile. */
  static double reconcileQueue(ScaleRun run) {
    return run.operators.stream()
        .flatMap(p -> p.metrics().lines())
        .filter(l -> l.startsWith("operator_sdk_reconciliations_queue_size"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static void awaitNamespaceGone(String namespace) throws Exception {
    // the run's cluster deleted the namespace on close; its children go by garbage collection,
    // which must end before the next size is measured
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
      while (client.namespaces().withName(namespace).get() != null
          && System.nanoTime() < deadline) {
        Thread.sleep(2000);
      }
    }
  }

  static String mib(double bytes) {
    return String.format("%.0f MiB", bytes / (1024 * 1024));
  }

  static String cost(List<Row> rows) {
    StringBuilder t = new StringBuilder();
    for (Row r : rows) {
      ScaleRun.Window s = r.steady();
      ScaleRun.Window b = r.bursting();
      t.append(
          String.format(
              "| %d | %d | %d | %.0f | %.0f | %.0f | %.0f%% | %.0f%% | %.0f%% | %.1f | %.2f | %.0f | %s | %s | %s |%n",
              r.services(),
              r.endpoints(),
              r.replicas(),
              r.created(),
              r.converged(),
              r.settled(),
              s.cpuPercent(s.operatorCpu()),
              s.cpuPercent(s.apiServerCpu()),
              s.cpuPercent(s.etcdCpu()),
              s.reads() / s.seconds(),
              s.writes() / s.seconds(),
              s.redisCommands() / s.seconds(),
              mib(Math.max(s.maxHeapBytes(), b.maxHeapBytes())),
              mib(r.liveHeap()),
              mib(Math.max(s.maxRssBytes(), b.maxRssBytes()))));
    }
    return t.toString();
  }

  static String reaction(List<Row> rows) {
    StringBuilder t = new StringBuilder();
    for (Row r : rows) {
      ScaleRun.Window b = r.bursting();
      t.append(
          String.format(
              "| %d | %d | %d | %.0f%% | %.1f | %.2f s | %.2f s | %d | %.2f s | %.2f s | %.2f s | %.0f | %.0f | %.0f |%n",
              r.services(),
              r.endpoints(),
              r.replicas(),
              b.cpuPercent(b.operatorCpu()),
              b.writes() / b.seconds(),
              ScaleRun.percentile(r.reactions(), 50),
              ScaleRun.percentile(r.reactions(), 99),
              r.missed(),
              r.evaluationP99(),
              ScaleRun.percentile(r.specChanges(), 50),
              ScaleRun.percentile(r.specChanges(), 99),
              r.maxQueue(),
              r.restart(),
              r.restartWrites()));
    }
    return t.toString();
  }

  static void write(List<Row> rows) throws Exception {
    StringBuilder t = new StringBuilder();
    t.append(
        """
        ## Scale: thousands of services on one operator

        Measured by `make bench-scale` (`ScaleBench`), %s, on the simulated cluster (real kube-apiserver,
        etcd, kube-controller-manager and scheduler, KWOK nodes), every process on this machine's
        cores. Each size is a namespace of worker-only ScalableServices (External Redis, poll 1 s,
        0 to 2 workers, 100 items a worker), scaled by the packaged operator in a process of its
        own with `-Xmx512m` (issue 17's goal; the shipped Deployment's 512Mi limit gives it 384 MiB), no leader election; with more than one
        replica, `SHARDS=16`. Idle: every queue
        empty, %d s. Bursts: %d rounds, each pushing 200 items at once on a tenth of the queues
        (not used before), timed from the push to the worker Deployment's `spec.replicas` leaving
        0, through a watch started at the current resourceVersion. Spec change: 20 services' `maxReplicas` patched one after the other,
        timed to `status.observedGeneration`. Restart: the (first) replica SIGKILLed and another
        started in its place, timed to every queue loop running again, with the writes the
        replicas sent meanwhile (the new one's, and the others' as shards moved).
        Converged: every service has its worker Deployment and its queue loop; writes settled: the
        workers back at 0 and no write but Lease renewals for 15 s (the first reconciles' statuses and events out),
        counted from convergence; idle is measured after that. API requests are counted at the operator's client
        (`swell_kubernetes_requests_total`), Redis commands from `INFO commandstats`, CPU from
        /proc (100%% = one core).

        Cost (CPU summed over the replicas, memory of the largest):

        | services | Redis endpoints | operator replicas | create (s) | converged (s) | writes settled (s after converged) | idle: operator CPU | idle: kube-apiserver CPU | idle: etcd CPU | idle: API reads/s | idle: API writes/s | idle: Redis commands/s | heap in use, max | heap live after a full GC | RSS max |
        |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
        %s
        Reaction:

        | services | Redis endpoints | operator replicas | bursts: operator CPU | bursts: API writes/s | burst -> replicas median | p99 | missed | operator's read-decide-write p99 | spec -> status median | p99 | reconcile queue max | restart -> converged (s) | restart: writes |
        |---|---|---|---|---|---|---|---|---|---|---|---|---|---|
        %s"""
            .formatted(
                LocalDate.now(ZoneOffset.UTC),
                STEADY.toSeconds(),
                ROUNDS,
                cost(rows),
                reaction(rows)));
    t.append("\nWrites while bursting, by verb and resource:\n\n");
    for (Row r : rows) {
      t.append(
          String.format(
              "- %d services, %d endpoint(s), %d replica(s): %s; idle: %s%n",
              r.services(),
              r.endpoints(),
              r.replicas(),
              r.bursting().writesByKind(),
              r.steady().writesByKind()));
    }
    Path out = Path.of("../docs/bench/scale.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, t.toString());
    System.out.println(t);
  }
}
