package dev.swell.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The api scaled by Swell on concurrency, on real pods: the operator (in its pod, as installed)
 * reads the sample app's own /metrics from each api pod; a load step through the Service raises the
 * replicas, its end lowers them after the scale-down window. No HPA exists, Swell alone writes the
 * replicas, and a reconcile leaves them be.
 */
class ApiScalingOnRealNodes {

  static final String NS = "real-api";
  static final int CLIENTS = 16;

  static RealNodes nodes;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @BeforeAll
  static void deploy() throws Exception {
    nodes = RealNodes.withTheOperatorAnd(NS);
    // every read waits 200 ms for the simulated database and the cache keeps a product 1 s: the
    // clients' requests are in flight for most of their time, one each
    Path file = Files.createTempFile("store", ".yaml");
    Files.writeString(
        file,
        """
        apiVersion: swell.dev/v1alpha1
        kind: ScalableService
        metadata: {name: store}
        spec:
          image: swell/sample-app:0.1.0
          redis: {mode: Managed}
          api:
            env: [{name: SOURCE_DELAY_MS, value: "200"}]
            cache: {ttl: 1s}
            rateLimit: {requestsPerSecond: 100000, burst: 100000}
            autoscaling:
              minReplicas: 1
              maxReplicas: 4
              metrics: [{type: concurrency, target: 4}]
              behavior: {scaleDown: {stabilizationWindowSeconds: 5}}
        """);
    RealNodes.kubectl("-n", NS, "apply", "--server-side", "-f", file.toString()).ok();
    Files.delete(file);
  }

  @AfterAll
  static void remove() {
    if (nodes != null) {
      nodes.close(NS);
    }
  }

  static Deployment api() {
    return nodes.client.apps().deployments().inNamespace(NS).withName("store-api").get();
  }

  static ScalableService store() {
    return nodes.client.resources(ScalableService.class).inNamespace(NS).withName("store").get();
  }

  static String condition(ScalableService s, String type) {
    return s == null || s.getStatus() == null
        ? null
        : s.getStatus().conditions.stream()
            .filter(c -> c.getType().equals(type))
            .map(c -> c.getStatus() + "/" + c.getReason())
            .findFirst()
            .orElse(null);
  }

  /** Closed-loop clients through the Service's ClusterIP, until stopped. */
  static List<Thread> load(String base, AtomicBoolean running, AtomicLong ok) {
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      int id = ThreadLocalRandom.current().nextInt(1, 1001);
                      try {
                        HttpResponse<Void> r =
                            http.send(
                                HttpRequest.newBuilder(URI.create(base + "/products/" + id))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                          ok.incrementAndGet();
                        }
                      } catch (Exception e) {
                        // a pod starting or going: the next request goes on
                      }
                    }
                  }));
    }
    return clients;
  }

  @Test
  void aLoadStepScalesTheApiUpWithinSecondsAndItsEndScalesItDown() throws Exception {
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              Deployment d = api();
              assertThat(d).isNotNull();
              assertThat(d.getStatus().getReadyReplicas()).isEqualTo(1);
              assertThat(condition(store(), "ApiScalingActive"))
                  .as("Swell reads the pod's metrics")
                  .isEqualTo("True/MetricsRead");
            });
    assertThat(
            nodes
                .client
                .autoscaling()
                .v2()
                .horizontalPodAutoscalers()
                .inNamespace(NS)
                .list()
                .getItems())
        .as("no HPA: Swell owns the api's replicas")
        .isEmpty();
    Service svc = nodes.client.services().inNamespace(NS).withName("store-api").get();
    String base =
        "http://" + svc.getSpec().getClusterIP() + ":" + svc.getSpec().getPorts().get(0).getPort();

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    long start = System.nanoTime();
    List<Thread> clients = load(base, running, ok);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> api().getSpec().getReplicas() > 1);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("api scaled up %.1f s after the load step%n", seconds);
      await() // the status follows the write by a reconcile
          .atMost(Duration.ofSeconds(20))
          .until(() -> store().getStatus().api.lastDecision != null);
      ScalableService s = store();
      assertThat(s.getStatus().api.metrics)
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.name).isEqualTo("concurrency");
                assertThat(m.target).isEqualTo("4");
              });
      assertThat(s.getStatus().api.lastDecision.reason).contains("concurrency");
      int scaled = api().getSpec().getReplicas();
      assertThat(managerOfReplicas(api())).isEqualTo("swell-api-autoscaler");

      // a reconcile (the spec's annotations change) leaves Swell's count be
      RealNodes.kubectl("-n", NS, "annotate", "ssvc", "store", "test.swell.dev/poke=1").ok();
      Thread.sleep(3_000);
      assertThat(api().getSpec().getReplicas())
          .as("after a reconcile, while the load goes on")
          .isGreaterThanOrEqualTo(scaled);
      assertThat(
              RealNodes.kubectl("-n", NS, "get", "events", "--field-selector", "reason=ScaledApi")
                  .ok()
                  .output())
          .contains("Scaled the api from 1 to");
      assertThat(ok.get()).as("the load went through").isPositive();
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join(Duration.ofSeconds(15));
      }
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> api().getSpec().getReplicas() == 1);
    assertThat(store().getStatus().api.lastDecision.to).isEqualTo(1);
  }

  static String managerOfReplicas(Deployment d) {
    for (ManagedFieldsEntry e : d.getMetadata().getManagedFields()) {
      if (e.getFieldsV1() != null
          && String.valueOf(e.getFieldsV1().getAdditionalProperties()).contains("f:replicas")
          && String.valueOf(e.getFieldsV1().getAdditionalProperties().get("f:spec"))
              .contains("f:replicas")) {
        return e.getManager();
      }
    }
    return null;
  }
}
