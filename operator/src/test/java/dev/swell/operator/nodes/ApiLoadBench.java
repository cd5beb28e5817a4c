package dev.swell.operator.nodes;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * `make bench` (hack/bench-api.sh), on the real nodes: a load step from idle to {@value #CLIENTS}
 * concurrent clients against the api Service, the api scaled by Swell on concurrency, then by the
 * HPA on CPU (its default 15 s sync), in the same run on the same cluster. Each request opens its
 * own connection, so new pods get their share. Per step: seconds to the first scale-up, seconds
 * whose p95 is above the target, the peak p95, the replicas reached. Writes docs/bench/api.md. Not
 * part of `make test`: it measures, it does not assert.
 */
class ApiLoadBench {

  static final String NS = "bench-api";

  /**
   * 400 clients saturate this machine's 2 cores whatever the replicas (measured: 225 requests/s,
   * p95 11 s with 8 replicas; 64 clients: 64 to 172 requests/s, p95 2.7 to 5.6 s): the step is
   * sized so that the replicas, not the cores, bound the latency.
   */
  static final int CLIENTS = Integer.getInteger("swell.bench.clients", 24);

  static final int STEPS = Integer.getInteger("swell.bench.steps", 3);
  static final Duration LOAD = Duration.ofSeconds(Long.getLong("swell.bench.loadSeconds", 90));
  static final double P95_TARGET_MS = 200;

  /**
   * The same app for every arm: 50 ms at the database through 4 connections per replica (80
   * reads/s), on the JVM's client compiler only: on this machine's 2 cores, 8 cold JVMs compiling
   * with C2 spent the first minute of a step warming up (8 replicas fixed, 24 clients: 163
   * requests/s at p95 337 ms cold, 374 at 146 ms warm; with C1 only 282 at 179 ms cold, 439 at 100
   * ms warm).
   */
  static final String SERVICE =
      """
      apiVersion: swell.dev/v1alpha1
      kind: ScalableService
      metadata: {name: %s}
      spec:
        image: swell/sample-app:0.1.0
        redis: {mode: Managed}
        api:
          env:
            - {name: SOURCE_DELAY_MS, value: "50"}
            - {name: SOURCE_CONCURRENCY, value: "4"}
            - {name: JAVA_TOOL_OPTIONS, value: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
          cache: {ttl: 1s}
          rateLimit: {requestsPerSecond: 1000000, burst: 1000000}
      %s
      """;

  static final String AUTOSCALING =
      "    autoscaling:\n      minReplicas: 1\n      maxReplicas: 8\n";
  static final String SWELL =
      AUTOSCALING + "      metrics: [{type: concurrency, target: 3}]\n      burst: {}";
  static final String HPA = AUTOSCALING + "      cpuUtilization: 50";

  /**
   * The baseline: what the cluster serves with the most replicas either arm may reach, from the
   * start.
   */
  static final String FIXED = "    replicas: 8";

  record Sample(long endNanos, long latencyNanos, boolean ok) {}

  record Step(
      double firstScaleUp, int secondsAbove, double peakP95, int replicas, double requestsPerSec) {}

  static RealNodes nodes;

  @Test
  void measure() throws Exception {
    System.setProperty("http.keepAlive", "false"); // a connection per request, as wrk -H close
    nodes = RealNodes.withTheOperatorAnd(NS);
    try {
      List<Step> swell = new ArrayList<>();
      List<Step> hpa = new ArrayList<>();
      Step fixed = step("fixed", FIXED, 8);
      for (int i = 0; i < STEPS; i++) {
        swell.add(step("swell" + i, SWELL, 1));
        hpa.add(step("hpa" + i, HPA, 1));
      }
      report(swell, hpa, fixed);
    } finally {
      nodes.close(NS);
    }
  }

  static Step step(String name, String scaling, int initial) throws Exception {
    Path file = Files.createTempFile(name, ".yaml");
    Files.writeString(file, SERVICE.formatted(name, scaling));
    RealNodes.kubectl("-n", NS, "apply", "--server-side", "-f", file.toString()).ok();
    Files.delete(file);
    String deployment = name + "-api";
    waitFor(
        Duration.ofMinutes(4),
        () -> ready(deployment) == initial && replicas(deployment) == initial);
    Thread.sleep(30_000); // idle: the HPA and metrics-server have seen the quiet pod
    Service svc = nodes.client.services().inNamespace(NS).withName(deployment).get();
    String base =
        "http://" + svc.getSpec().getClusterIP() + ":" + svc.getSpec().getPorts().get(0).getPort();
    ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    long start = System.nanoTime();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      clients.add(Thread.ofVirtual().start(() -> client(base, running, samples)));
    }
    double firstScaleUp = Double.NaN;
    int most = 1;
    while (System.nanoTime() - start < LOAD.toNanos()) {
      int r = replicas(deployment);
      if (r > initial && Double.isNaN(firstScaleUp)) {
        firstScaleUp = (System.nanoTime() - start) / 1e9;
      }
      most = Math.max(most, r);
      Thread.sleep(200);
    }
    running.set(false);
    for (Thread t : clients) {
      t.join(Duration.ofSeconds(15));
    }
    RealNodes.kubectl("-n", NS, "delete", "ssvc", name, "--wait=true", "--timeout=120s");
    waitFor(
        Duration.ofMinutes(2),
        () -> nodes.client.pods().inNamespace(NS).list().getItems().isEmpty());

    int seconds = (int) LOAD.toSeconds();
    List<List<Long>> perSecond = new ArrayList<>();
    for (int s = 0; s < seconds; s++) {
      perSecond.add(new ArrayList<>());
    }
    long ok = 0;
    for (Sample x : samples) {
      int s = (int) ((x.endNanos() - start) / 1_000_000_000L);
      if (s >= 0 && s < seconds) {
        perSecond.get(s).add(x.latencyNanos());
      }
      ok += x.ok() ? 1 : 0;
    }
    int above = 0;
    double peak = 0;
    for (List<Long> second : perSecond) {
      double p95 = second.isEmpty() ? Double.POSITIVE_INFINITY : percentile(second, 0.95) / 1e6;
      if (p95 > P95_TARGET_MS) {
        above++; // a second with no answer at all is above any target
      }
      peak = Math.max(peak, second.isEmpty() ? 0 : p95);
    }
    Step step = new Step(firstScaleUp, above, peak, most, ok / (double) seconds);
    System.out.println(name + ": " + step);
    return step;
  }

  static void client(String base, AtomicBoolean running, ConcurrentLinkedQueue<Sample> samples) {
    while (running.get()) {
      int id = ThreadLocalRandom.current().nextInt(1, 1001);
      long t0 = System.nanoTime();
      boolean ok = false;
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create(base + "/products/" + id).toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        ok = c.getResponseCode() == 200;
        try (InputStream in = ok ? c.getInputStream() : c.getErrorStream()) {
          if (in != null) {
            in.readAllBytes();
          }
        }
      } catch (IOException e) {
        ok = false;
      }
      long t1 = System.nanoTime();
      samples.add(new Sample(t1, t1 - t0, ok));
    }
  }

  static int replicas(String deployment) {
    Deployment d = nodes.client.apps().deployments().inNamespace(NS).withName(deployment).get();
    return d == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
  }

  static int ready(String deployment) {
    Deployment d = nodes.client.apps().deployments().inNamespace(NS).withName(deployment).get();
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null
        ? 0
        : d.getStatus().getReadyReplicas();
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void waitFor(Duration limit, Check check) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit);
      }
      Thread.sleep(500);
    }
  }

  static double percentile(List<Long> values, double q) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String f(double d) {
    return Double.isNaN(d) ? "none" : String.format(Locale.ROOT, "%.1f", d);
  }

  static void report(List<Step> swell, List<Step> hpa, Step fixed) throws IOException {
    double swellUp = median(swell.stream().map(Step::firstScaleUp).toList());
    double hpaUp = median(hpa.stream().map(Step::firstScaleUp).toList());
    double swellAbove = median(swell.stream().map(s -> (double) s.secondsAbove()).toList());
    double hpaAbove = median(hpa.stream().map(s -> (double) s.secondsAbove()).toList());
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < swell.size(); i++) {
      for (int arm = 0; arm < 2; arm++) {
        Step s = arm == 0 ? swell.get(i) : hpa.get(i);
        rows.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %s | %d | %.0f | %d | %.0f |%n",
                i + 1,
                arm == 0 ? "Swell, concurrency 3" : "HPA, CPU 50%",
                f(s.firstScaleUp()),
                s.secondsAbove(),
                s.peakP95(),
                s.replicas(),
                s.requestsPerSec()));
      }
    }
    String text =
        """
        ## Api: a load step, Swell on concurrency beside the HPA on CPU

        On the real nodes (kubelet + containerd, the sample app's pods really run; the load, the
        control plane and every pod share this machine's cores). One ScalableService per step:
        the sample app's api, 50 ms at its simulated database through 4 connections per replica
        (80 reads/s a replica), on the JVM's client compiler only (`-XX:TieredStopAtLevel=1`: cold
        JVMs compiling with C2 took this machine's cores for their first minute), 1 to 8 replicas.
        From idle, %d clients (virtual threads, a new connection per request,
        through the Service's ClusterIP) for %d s; the replica count polled every 200 ms. Swell:
        `metrics: [{type: concurrency, target: 3}]`, `burst: {}`, a 1 s poll. HPA:
        `cpuUtilization: 50` with its default behavior, the kube-controller-manager syncing every
        15 s (its default) and metrics-server reading the kubelets. A second is above the target
        when its p95 (of the requests that ended in it) is over %.0f ms.

        | step | scaled by | first scale-up (s) | seconds above p95 %.0f ms (of %d) | peak p95 (ms) | replicas reached | requests/s |
        |---|---|---|---|---|---|---|
        %s

        Baseline, 8 replicas Ready before the step (the most either arm may reach): %d seconds
        above, peak p95 %.0f ms, %.0f requests/s.

        Medians over %d steps each: first scale-up %s s (Swell) vs %s s (HPA), %s times sooner;
        seconds above the p95 target %s vs %s, %s of the HPA's.
        """
            .formatted(
                CLIENTS,
                LOAD.toSeconds(),
                P95_TARGET_MS,
                P95_TARGET_MS,
                LOAD.toSeconds(),
                rows.toString().strip(),
                fixed.secondsAbove(),
                fixed.peakP95(),
                fixed.requestsPerSec(),
                swell.size(),
                f(swellUp),
                f(hpaUp),
                f(hpaUp / swellUp),
                f(swellAbove),
                f(hpaAbove),
                hpaAbove == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", swellAbove / hpaAbove));
    Path out = Path.of("../docs/bench/api.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
    System.out.println(text);
  }
}
