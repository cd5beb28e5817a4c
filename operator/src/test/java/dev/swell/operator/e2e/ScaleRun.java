package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.metrics.ApiRequestMeter;
import dev.swell.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * Many worker-only ScalableServices (External Redis) in one namespace, scaled by the packaged
 * operator running as a process of its own: how long they take to converge, what an idle one costs,
 * how fast a burst on a random tenth of the queues reaches spec.replicas, how long a spec change
 * takes to show in the status, and how long a SIGKILLed operator takes to converge again. Shared by
 * {@link ScaleE2E} (100 services, asserted) and {@link ScaleBench} (thousands, reported).
 */
final class ScaleRun implements AutoCloseable {

  /** A burst: this many items on each chosen queue. */
  static final int BURST_ITEMS = 200;

  final E2ECluster cluster;
  final int services;
  final List<RedisServer> redis = new ArrayList<>();
  final List<RedisClient> redisClients = new ArrayList<>();
  final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
  final String maxHeap;
  final int replicas;
  final List<OperatorProcess> operators = new ArrayList<>();
  private int started;
  private Map<String, Double> beforeRestart = Map.of();

  private final Random random = new Random(17);
  private final List<Integer> unused;

  ScaleRun(String namespace, int services, int endpoints, String maxHeap) {
    this(namespace, services, endpoints, maxHeap, 1);
  }

  /** With more than one replica, they share the services through {@link #SHARDS} shards. */
  ScaleRun(String namespace, int services, int endpoints, String maxHeap, int replicas) {
    this.cluster = new E2ECluster(namespace);
    this.replicas = replicas;
    this.services = services;
    this.maxHeap = maxHeap;
    for (int i = 0; i < endpoints; i++) {
      RedisServer r = RedisServer.plain().start();
      redis.add(r);
      RedisClient c = RedisClient.create(r.uri());
      redisClients.add(c);
      connections.add(c.connect());
    }
    List<Integer> all = new ArrayList<>(IntStream.range(0, services).boxed().toList());
    Collections.shuffle(all, random);
    this.unused = all;
  }

  static String name(int i) {
    return "s" + i;
  }

  String spec(int i) {
    return """
        image: swell/sample-app:0.1.0
        redis: {mode: External, external: {url: "%s"}}
        worker:
          queue: {key: q%d, targetBacklogPerReplica: 100}
          autoscaling:
            minReplicas: 0
            maxReplicas: 2
            pollInterval: 1s
            cooldown: 5s
            behavior:
              scaleUp: {policies: [{type: Pods, value: 2, periodSeconds: 1}]}
              scaleDown: {stabilizationWindowSeconds: 0}
        """
        .formatted(redis.get(i % redis.size()).uri(), i);
  }

  /** Seconds to create every service (16 clients at once). */
  double createAll() throws Exception {
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < services; i++) {
        int n = i;
        done.add(pool.submit(() -> cluster.apply(name(n), spec(n))));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    return seconds(start);
  }

  /** Shards of a run with several replicas. */
  static final int SHARDS = 16;

  /** Starts every replica. */
  void startOperator() {
    for (int i = 0; i < replicas; i++) {
      operators.add(startReplica());
    }
  }

  private OperatorProcess startReplica() {
    Map<String, String> env =
        replicas == 1
            ? Map.of()
            : Map.of(
                "SHARDS",
                String.valueOf(SHARDS),
                "POD_NAME",
                "operator-" + started,
                "LEADER_ELECTION_NAMESPACE",
                cluster.namespace);
    started++;
    return OperatorProcess.start(cluster.namespace, maxHeap, env);
  }

  /** The first replica (the only one, without shards). */
  OperatorProcess operator() {
    return operators.get(0);
  }

  /** Queue loops running, summed over the replicas; NaN while one does not answer. */
  double loops() {
    double sum = 0;
    for (OperatorProcess p : operators) {
      sum += p.metric("swell_queue_loops");
    }
    return sum;
  }

  /** Queue loops of each replica. */
  List<Double> loopsByReplica() {
    return operators.stream().map(p -> p.metric("swell_queue_loops")).toList();
  }

  String logs() {
    StringBuilder b = new StringBuilder();
    operators.forEach(p -> b.append("--- operator ").append(p.pid()).append('\n').append(p.log()));
    return b.toString();
  }

  /**
   * Seconds until every service has its worker Deployment and its queue loop, counted from {@code
   * start} (System.nanoTime), with progress every 15 s.
   */
  double awaitConverged(long start, Duration timeout) throws InterruptedException {
    long deadline = start + timeout.toNanos();
    long nextReport = System.nanoTime() + 15_000_000_000L;
    while (true) {
      for (OperatorProcess p : operators) {
        assertThat(p.alive()).as("operator %d is running; its log:%n%s", p.pid(), p.log()).isTrue();
      }
      double loops = loops();
      int deployments = workerDeployments();
      if (loops == services && deployments == services) {
        return seconds(start);
      }
      if (System.nanoTime() > nextReport) {
        System.out.printf(
            "  %.0f s: %d of %d worker Deployments, %.0f queue loops%n",
            seconds(start), deployments, services, loops);
        nextReport = System.nanoTime() + 15_000_000_000L;
      }
      assertThat(System.nanoTime())
          .as(
              "%d services converged (%d Deployments, %.0f loops); the operator's log:%n%s",
              services, deployments, loops, logs())
          .isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  List<Deployment> workers() {
    return cluster
        .client
        .apps()
        .deployments()
        .inNamespace(cluster.namespace)
        .withLabel("app.kubernetes.io/component", "worker")
        .list()
        .getItems();
  }

  int workerDeployments() {
    return workers().size();
  }

  /**
   * Waits until the operator has written nothing for {@code quiet} but its Lease renewals (the
   * statuses and events of the services' first reconciles are all out), at most {@code timeout};
   * the seconds it took, or NaN if it never went quiet.
   */
  double awaitQuiet(Duration quiet, Duration timeout) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    double total = serviceWrites();
    long unchangedSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(2_000);
      double now = serviceWrites();
      if (now != total) {
        total = now;
        unchangedSince = System.nanoTime();
      } else if (System.nanoTime() - unchangedSince >= quiet.toNanos()) {
        return seconds(start);
      }
    }
    return Double.NaN;
  }

  /** Writes since the replicas started, but for Leases (shards and members, not services). */
  private double serviceWrites() {
    return writesSinceStart().entrySet().stream()
        .filter(e -> !e.getKey().endsWith(" leases"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** Waits until every worker is back at 0 replicas (the bursts' queues were emptied). */
  void awaitAllAtZero(Duration timeout) throws InterruptedException {
    awaitTrue(
        () ->
            workers().stream()
                .allMatch(d -> d.getSpec().getReplicas() != null && d.getSpec().getReplicas() == 0),
        timeout);
  }

  /** Writes the replicas sent since the last {@link #restart} or {@link #killOne}, by kind. */
  Map<String, Double> writesSinceRestart() {
    Map<String, Double> writes = writesSinceStart();
    beforeRestart.forEach((kind, n) -> writes.merge(kind, -n, Double::sum));
    writes.values().removeIf(n -> n <= 0);
    return writes;
  }

  /** Writes the running replicas sent since they started, by verb and resource. */
  Map<String, Double> writesSinceStart() {
    Map<String, Double> writes = new TreeMap<>();
    for (OperatorProcess p : operators) {
      String metrics = p.scrape();
      for (String verb : List.of("create", "patch", "update", "delete")) {
        for (String resource : resources(metrics)) {
          double d = nanToZero(requests(metrics, verb, resource));
          if (d > 0) {
            writes.merge(verb + " " + resource, d, Double::sum);
          }
        }
      }
    }
    return writes;
  }

  /** What the operator and its surroundings did over a window. */
  record Window(
      double seconds,
      double operatorCpu,
      double apiServerCpu,
      double etcdCpu,
      double reads,
      double writes,
      Map<String, Double> writesByKind,
      double redisCommands,
      double redisScripts,
      long maxRssBytes,
      double maxHeapBytes) {

    double cpuPercent(double cpuSeconds) {
      return 100 * cpuSeconds / seconds;
    }
  }

  /**
   * Samples the replicas every second for this long while {@code during} runs alongside: CPU and
   * requests summed over them, memory of the largest.
   */
  Window measure(Duration length, Runnable during) throws Exception {
    List<String> before = operators.stream().map(OperatorProcess::scrape).toList();
    double cpu0 = operators.stream().mapToDouble(OperatorProcess::cpuSeconds).sum();
    double api0 = OperatorProcess.cpuSeconds(pidOf("kube-apiserver"));
    double etcd0 = OperatorProcess.cpuSeconds(pidOf("etcd"));
    long redis0 = redisCommands();
    long scripts0 = redisCalls("eval") + redisCalls("evalsha");
    long start = System.nanoTime();
    long maxRss = 0;
    double maxHeap = 0;
    Thread side = Thread.ofVirtual().start(during);
    while (System.nanoTime() - start < length.toNanos()) {
      for (OperatorProcess p : operators) {
        maxRss = Math.max(maxRss, p.rssBytes());
        maxHeap = Math.max(maxHeap, heapUsed(p.metrics()));
      }
      loops();
      Thread.sleep(1000);
    }
    side.join();
    double seconds = seconds(start);
    Map<String, Double> writesByKind = new ConcurrentHashMap<>();
    double reads = 0;
    double writes = 0;
    for (int i = 0; i < operators.size(); i++) {
      String after = operators.get(i).scrape();
      for (String verb : List.of("get", "list", "watch", "create", "patch", "update", "delete")) {
        for (String resource : resources(after)) {
          double d =
              nanToZero(requests(after, verb, resource))
                  - nanToZero(requests(before.get(i), verb, resource));
          if (d <= 0) {
            continue;
          }
          if (ApiRequestMeter.writes(verb)) {
            writes += d;
            writesByKind.merge(verb + " " + resource, d, Double::sum);
          } else {
            reads += d;
          }
        }
      }
    }
    return new Window(
        seconds,
        operators.stream().mapToDouble(OperatorProcess::cpuSeconds).sum() - cpu0,
        OperatorProcess.cpuSeconds(pidOf("kube-apiserver")) - api0,
        OperatorProcess.cpuSeconds(pidOf("etcd")) - etcd0,
        reads,
        writes,
        writesByKind,
        redisCommands() - redis0,
        redisCalls("eval") + redisCalls("evalsha") - scripts0,
        maxRss,
        maxHeap);
  }

  static double heapUsed(String metrics) {
    return OperatorProcess.sum(metrics, "jvm_memory_used_bytes", l -> l.contains("area=\"heap\""));
  }

  private static List<String> resources(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(ApiRequestMeter.NAME + "_total{"))
        .map(l -> l.replaceAll(".*resource=\"([^\"]*)\".*", "$1"))
        .distinct()
        .toList();
  }

  private static double requests(String metrics, String verb, String resource) {
    return OperatorProcess.sum(
        metrics,
        ApiRequestMeter.NAME + "_total",
        l -> l.contains("verb=\"" + verb + "\"") && l.contains("resource=\"" + resource + "\""));
  }

  private static double nanToZero(double d) {
    return Double.isNaN(d) ? 0 : d;
  }

  /** Calls of one command (null: of all) on every Redis endpoint since they started. */
  long redisCalls(String command) {
    long total = 0;
    for (StatefulRedisConnection<String, String> c : connections) {
      total +=
          c.sync()
              .info("commandstats")
              .lines()
              .filter(l -> l.startsWith("cmdstat_" + (command == null ? "" : command + ":")))
              .mapToLong(
                  l -> Long.parseLong(l.replaceAll("^cmdstat_[a-z_|]+:calls=(\\d+),.*$", "$1")))
              .sum();
    }
    return total;
  }

  /** Calls of every command on every Redis endpoint since they started. */
  long redisCommands() {
    return redisCalls(null);
  }

  /** A control-plane component's pid on the simulated cluster; -1 elsewhere (kind). */
  static long pidOf(String component) {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null) {
      return -1;
    }
    Path pid = Path.of(kubeconfig).getParent().resolve(component + ".pid");
    try {
      return Long.parseLong(Files.readString(pid).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Seconds from each push to its worker's spec.replicas leaving 0; NaN for a missed one. */
  record Bursts(List<Double> reactions, int missed) {}

  /**
   * Pushes {@link #BURST_ITEMS} items on each of {@code count} queues not used before, at once, and
   * times each worker's spec.replicas leaving 0; then empties those queues.
   */
  Bursts burst(int count, Duration timeout) throws Exception {
    List<Integer> chosen = new ArrayList<>(unused.subList(0, count));
    unused.subList(0, count).clear();
    Map<String, Long> pushed = new ConcurrentHashMap<>();
    Map<String, Long> reacted = new ConcurrentHashMap<>();
    AtomicReference<WatcherException> closed = new AtomicReference<>();
    String[] items =
        IntStream.range(0, BURST_ITEMS).mapToObj(String::valueOf).toArray(String[]::new);
    var workers =
        cluster
            .client
            .apps()
            .deployments()
            .inNamespace(cluster.namespace)
            .withLabel("app.kubernetes.io/component", "worker");
    // from now: a watch with no resourceVersion first sends every worker as ADDED; one whose
    // connection ended while the bench read that flood was resumed by fabric8 from the version of
    // some old object, which was gone ("too old resource version"), and the watch ended
    String now =
        workers
            .list(new ListOptionsBuilder().withLimit(1L).build())
            .getMetadata()
            .getResourceVersion();
    try (Watch w =
        workers.watch(
            new ListOptionsBuilder().withResourceVersion(now).build(),
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Deployment d) {
                long at = System.nanoTime();
                String name = d.getMetadata().getName();
                Integer replicas = d.getSpec().getReplicas();
                if (replicas != null && replicas > 0 && pushed.containsKey(name)) {
                  reacted.putIfAbsent(name, at);
                }
              }

              @Override
              public void onClose(WatcherException cause) {
                closed.set(cause);
              }
            })) {
      for (int i : chosen) {
        pushed.put(name(i) + "-worker", System.nanoTime());
        connections.get(i % connections.size()).sync().lpush("q" + i, items);
      }
      awaitTrue(() -> reacted.size() == chosen.size() || closed.get() != null, timeout);
    }
    if (closed.get() != null) {
      // what it did not see is not known to be missed: say so rather than count it
      throw new IllegalStateException("the bench's watch ended during a burst", closed.get());
    }
    for (int i : chosen) {
      connections.get(i % connections.size()).sync().del("q" + i);
    }
    List<Double> reactions = new ArrayList<>();
    reacted.forEach((name, at) -> reactions.add((at - pushed.get(name)) / 1e9));
    return new Bursts(reactions, chosen.size() - reacted.size());
  }

  /**
   * Seconds from a spec change (maxReplicas) of {@code count} random services to their status'
   * observedGeneration following it.
   */
  List<Double> specChanges(int count, Duration timeout) throws Exception {
    List<Double> seconds = new ArrayList<>();
    KubernetesClient client = cluster.client;
    for (int k = 0; k < count; k++) {
      String name = name(random.nextInt(services));
      ScalableService s =
          client
              .resources(ScalableService.class)
              .inNamespace(cluster.namespace)
              .withName(name)
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE),
                  "{\"spec\":{\"worker\":{\"autoscaling\":{\"maxReplicas\":"
                      + (3 + k % 2)
                      + "}}}}");
      long start = System.nanoTime();
      long generation = s.getMetadata().getGeneration();
      awaitTrue(
          () -> {
            ScalableService now = cluster.get(name);
            return now.getStatus() != null
                && now.getStatus().observedGeneration != null
                && now.getStatus().observedGeneration >= generation;
          },
          timeout);
      seconds.add(seconds(start));
    }
    return seconds;
  }

  /**
   * SIGKILLs the first replica and starts another in its place (as its Deployment would); seconds
   * until the replicas have converged again.
   */
  double restart(Duration timeout) throws Exception {
    OperatorProcess victim = operators.remove(0);
    // the other replicas' writes so far are not the restart's
    beforeRestart = writesSinceStart();
    victim.kill();
    long start = System.nanoTime();
    operators.add(0, startReplica());
    return awaitConverged(start, timeout);
  }

  /** SIGKILLs the first replica and starts none: the others must take its services. */
  double killOne(Duration timeout) throws Exception {
    OperatorProcess victim = operators.remove(0);
    beforeRestart = writesSinceStart();
    victim.kill();
    victim.close();
    return awaitConverged(System.nanoTime(), timeout);
  }

  static void awaitTrue(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static double percentile(List<Double> values, double p) {
    return ReactionBench.percentile(values, p);
  }

  @Override
  public void close() throws Exception {
    for (OperatorProcess p : operators) {
      p.close();
    }
    connections.forEach(StatefulRedisConnection::close);
    redisClients.forEach(RedisClient::shutdown);
    redis.forEach(RedisServer::stop);
    cluster.close();
  }
}
