package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.swell.operator.Fixtures;
import dev.swell.operator.SteppedClock;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.autoscaling.RequestScaler;
import dev.swell.operator.autoscaling.RequestScaler.MetricOutcome;
import dev.swell.operator.requests.PodScraper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One api's loop with fakes at its boundaries: pods that are HTTP servers on loopback addresses
 * (127.0.0.2, .3, ...) serving a histogram the test moves, a recording realizer, a stepped clock.
 */
class RequestLoopTest {

  static final ScalableService SHOP =
      Fixtures.service(
          """
      image: app
      api:
        autoscaling:
          minReplicas: 1
          maxReplicas: 10
          metrics: [{type: concurrency, target: 50}]
          behavior: {scaleDown: {stabilizationWindowSeconds: 0}}
      """);

  /** A pod: its name, address, readiness and the counters its endpoint reports. */
  static final class FakePod {
    final String name;
    final String ip;
    boolean ready = true;
    boolean failing;
    double count;
    double sum;
    HttpServer server;

    FakePod(String name, String ip) {
      this.name = name;
      this.ip = ip;
    }

    /** As if requests ran for the given seconds at this concurrency, each taking 100 ms. */
    void load(double concurrency, double seconds) {
      sum += concurrency * seconds;
      count += concurrency * seconds / 0.1;
    }

    String page() {
      return "http_server_requests_seconds_bucket{route=\"/p\",le=\"0.1\"} "
          + count
          + "\nhttp_server_requests_seconds_bucket{route=\"/p\",le=\"+Inf\"} "
          + count
          + "\nhttp_server_requests_seconds_count{route=\"/p\"} "
          + count
          + "\nhttp_server_requests_seconds_sum{route=\"/p\"} "
          + sum
          + "\nhttp_server_requests_seconds_count{route=\"/healthz\"} 99999\n";
    }

    Pod pod() {
      return new PodBuilder()
          .withNewMetadata()
          .withName(name)
          .endMetadata()
          .withNewStatus()
          .withPodIP(ip)
          .addNewCondition()
          .withType("Ready")
          .withStatus(ready ? "True" : "False")
          .endCondition()
          .endStatus()
          .build();
    }
  }

  static final class FakeCluster implements ReplicaRealizer, ApiCatalog {
    Integer replicas = 2;
    long generation = 1;
    final Map<String, FakePod> pods = new LinkedHashMap<>();
    final List<String> writes = new ArrayList<>();

    @Override
    public long scale(String namespace, String deployment, int to) {
      writes.add("scale " + namespace + "/" + deployment + " " + to);
      replicas = to;
      return ++generation;
    }

    @Override
    public void setDeletionCosts(String namespace, Map<String, Integer> costByPod) {
      writes.add("costs " + costByPod);
    }

    @Override
    public ApiPods api(ScalableService service) {
      return new ApiPods(replicas, generation, pods.values().stream().map(FakePod::pod).toList());
    }

    @Override
    public void close() {}
  }

  static final class Recorder implements RequestLoop.Listener {
    final List<Decision> scaled = new ArrayList<>();
    int nudges;

    @Override
    public void scaled(ScalableService service, Decision decision) {
      scaled.add(decision);
    }

    @Override
    public void evaluated(ScalableService service, RequestScaler.Outcome outcome, Duration took) {}

    @Override
    public void statusChanged(ScalableService service) {
      nudges++;
    }
  }

  final SteppedClock clock = new SteppedClock();
  final FakeCluster cluster = new FakeCluster();
  final Recorder recorder = new Recorder();
  final PodScraper scraper = new PodScraper();
  final int port;
  final RequestLoop loop;

  RequestLoopTest() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
      port = s.getLocalPort();
    }
    PodScraper.Endpoint e = RequestTargets.endpoint(SHOP);
    loop =
        new RequestLoop(
            new RequestLoop.Config(
                SHOP,
                RequestTargets.from(SHOP),
                new PodScraper.Endpoint(
                    port, e.path(), e.histogram(), e.routeLabel(), e.excludedRoutes()),
                Duration.ofSeconds(1),
                false),
            scraper,
            ResourceUsage.NONE,
            cluster,
            clock,
            cluster,
            recorder);
  }

  FakePod pod(String name, String ip) throws IOException {
    FakePod p = new FakePod(name, ip);
    p.server = HttpServer.create(new InetSocketAddress(ip, port), 0);
    p.server.createContext(
        "/metrics",
        x -> {
          if (p.failing) {
            x.sendResponseHeaders(503, -1);
            x.close();
            return;
          }
          byte[] body = p.page().getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(200, body.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(body);
          }
        });
    p.server.start();
    cluster.pods.put(name, p);
    return p;
  }

  @AfterEach
  void stop() {
    cluster.pods.values().forEach(p -> p.server.stop(0));
    scraper.close();
  }

  @Test
  void aConcurrencyStepScalesTheApiAndShowsEachMetric() throws IOException {
    FakePod a = pod("api-a", "127.0.0.2");
    FakePod b = pod("api-b", "127.0.0.3");
    loop.tick();
    assertThat(cluster.writes).as("one read: no rate yet").isEmpty();
    assertThat(loop.snapshot().readError()).as("a first read is no failure").isNull();
    assertThat(recorder.nudges).isEqualTo(1);
    clock.stepSeconds(1);
    a.load(100, 1);
    b.load(100, 1);
    loop.tick();
    assertThat(recorder.nudges).as("the metric became readable: shown at once").isEqualTo(2);
    assertThat(cluster.writes).containsExactly("scale demo/shop-api 4");
    assertThat(recorder.scaled)
        .singleElement()
        .satisfies(d -> assertThat(d.message()).startsWith("concurrency 100 per pod (2 answered)"));
    ApiScalingSnapshot s = loop.snapshot();
    assertThat(s.desiredReplicas()).isEqualTo(4);
    assertThat(s.metrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.current()).isEqualTo(100.0);
              assertThat(m.desired()).isEqualTo(4);
            });
    assertThat(s.lastChange().reason()).contains("concurrency");
  }

  @Test
  void anIdleApiShowsItsFirstValuesAtOnceThoughTheyNeverChange() throws IOException {
    pod("api-a", "127.0.0.2");
    loop.tick();
    clock.stepSeconds(1);
    loop.tick();
    assertThat(loop.snapshot().metrics().getFirst().current()).isEqualTo(0.0);
    assertThat(recorder.nudges).as("first read, then the first value 0").isEqualTo(2);
    for (int i = 0; i < 10; i++) {
      clock.stepSeconds(1);
      loop.tick();
    }
    assertThat(recorder.nudges).as("0 all along: nothing more to show").isEqualTo(2);
  }

  @Test
  void podsNotReadyOrSilentCountAsIdleOnTheWayUp() throws IOException {
    FakePod a = pod("api-a", "127.0.0.2");
    FakePod b = pod("api-b", "127.0.0.3");
    FakePod c = pod("api-c", "127.0.0.4");
    cluster.replicas = 3;
    c.ready = false;
    loop.tick();
    b.server.stop(0);
    clock.stepSeconds(1);
    a.load(120, 1);
    loop.tick();
    // 120 per pod over 1 of 3 pods; the 2 others count as 0: 40 per pod, under the target
    assertThat(cluster.writes).isEmpty();
    assertThat(recorder.scaled).isEmpty();
    clock.stepSeconds(1);
    a.load(300, 1);
    loop.tick();
    assertThat(cluster.writes)
        .as("ceil(300 / 3 / 50 x 3)")
        .containsExactly("scale demo/shop-api 6");
  }

  @Test
  void noPodAnsweringHoldsTheCountAndSaysWhy() throws IOException {
    FakePod a = pod("api-a", "127.0.0.2");
    loop.tick();
    a.server.stop(0);
    clock.stepSeconds(1);
    loop.tick();
    assertThat(cluster.writes).isEmpty();
    assertThat(loop.snapshot().readError())
        .startsWith("1 of 1 Ready api pods gave no metrics; api-a: http://127.0.0.2:" + port);
    assertThat(recorder.nudges).as("the failure reaches the status at once").isEqualTo(2);
  }

  @Test
  void oneFailedReadBetweenGoodOnesIsNotShownTheSecondInARowIs() throws IOException {
    FakePod a = pod("api-a", "127.0.0.2");
    loop.tick();
    clock.stepSeconds(1);
    a.load(100, 1);
    loop.tick();
    ApiScalingSnapshot good = loop.snapshot();
    assertThat(good.metrics()).extracting(MetricOutcome::current).doesNotContainNull();
    int nudges = recorder.nudges;
    int replicas = cluster.replicas;

    a.failing = true;
    clock.stepSeconds(1);
    loop.tick();
    assertThat(loop.snapshot().readError()).as("one failed read is not shown").isNull();
    assertThat(loop.snapshot().metrics()).as("the last values stand").isEqualTo(good.metrics());
    assertThat(recorder.nudges).as("no status write for it").isEqualTo(nudges);

    a.failing = false;
    clock.stepSeconds(1);
    a.load(100, 1);
    loop.tick();
    assertThat(loop.snapshot().readError()).isNull();

    a.failing = true;
    clock.stepSeconds(1);
    loop.tick();
    clock.stepSeconds(1);
    loop.tick();
    assertThat(loop.snapshot().readError())
        .as("the second failed read in a row is shown")
        .startsWith("1 of 1 Ready api pods gave no metrics; api-a: ");
    assertThat(recorder.nudges).as("and reaches the status").isGreaterThan(nudges);
    assertThat(cluster.replicas).as("failed reads change no count").isEqualTo(replicas);
  }

  @Test
  void aRestartedPodIsABaseNotARate() throws IOException {
    FakePod a = pod("api-a", "127.0.0.2");
    FakePod b = pod("api-b", "127.0.0.3");
    a.load(500, 10);
    b.load(10, 10);
    loop.tick();
    clock.stepSeconds(1);
    a.count = 0; // restarted
    a.sum = 0;
    b.load(10, 1);
    loop.tick();
    assertThat(loop.snapshot().metrics().getFirst().current())
        .as("b alone, 10 per pod; a's drop is no negative rate")
        .isEqualTo(10.0);
    assertThat(cluster.writes)
        .as("a counts as at the target on the way down: (10 + 50) / 2 -> 2, the count it has")
        .isEmpty();
  }
}
