package dev.swell.operator.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.swell.operator.autoscaling.RequestReading;
import dev.swell.operator.autoscaling.RequestTarget.Metric;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import dev.swell.testkit.RedisServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scraper and the rate math against the sample app itself: its process, its Micrometer
 * endpoint, real requests; and against endpoints that misbehave.
 */
class PodScraperTest {

  static final PodScraper.Endpoint SAMPLE =
      new PodScraper.Endpoint(
          0,
          "/metrics",
          "http_server_requests_seconds",
          "route",
          List.of("/healthz", "/readyz", "/metrics"));

  static final HttpClient HTTP = HttpClient.newHttpClient();

  final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The sample app's api as a process of its own, each cache miss taking 100 ms. */
  int sampleApi(RedisServer redis) throws Exception {
    int port = freePort();
    ProcessBuilder b =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.swell.sample.SampleApp")
            .redirectErrorStream(true)
            .redirectOutput(Path.of("target", "pod-scraper-sample-app.log").toFile());
    b.environment()
        .putAll(
            Map.of(
                "PORT", "" + port,
                "REDIS_URL", redis.uri(),
                "SOURCE_DELAY_MS", "100",
                "RATE_LIMIT_RPS", "100000",
                "RATE_LIMIT_BURST", "100000"));
    Process p = b.start();
    open.add(
        () -> {
          p.destroy();
          p.waitFor(10, TimeUnit.SECONDS);
        });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        if (get(port, "/readyz").statusCode() == 200) {
          return port;
        }
      } catch (IOException starting) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the sample app did not start: target/pod-scraper-sample-app.log");
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  PodScraper scraper() {
    PodScraper s = new PodScraper();
    open.add(s);
    return s;
  }

  static PodScraper.Endpoint at(int port) {
    return new PodScraper.Endpoint(
        port, SAMPLE.path(), SAMPLE.histogram(), SAMPLE.routeLabel(), SAMPLE.excludedRoutes());
  }

  @Test
  void ratesConcurrencyAndLatencyOfTheSampleAppsOwnRequests() throws Exception {
    RedisServer redis = RedisServer.plain().start();
    open.add(redis);
    int port = sampleApi(redis);
    PodScraper scraper = scraper();
    RequestRates rates = new RequestRates();
    List<Metric> metrics =
        List.of(
            new Metric(Signal.requestsPerSecond, 10, 0),
            new Metric(Signal.concurrency, 10, 0),
            new Metric(Signal.latency, 0.2, 95));
    for (int i = 100; i < 110; i++) { // a warm JVM and Redis connection, as in a running pod
      assertThat(get(port, "/products/" + i).statusCode()).isEqualTo(200);
    }
    Map<String, PodScraper.Answer> first =
        scraper.read(Map.of("pod-a", "127.0.0.1"), at(port), Duration.ofSeconds(2));
    assertThat(first.get("pod-a").error()).isNull();
    Instant t0 = Instant.now();
    assertThat(rates.update(t0, 1, Map.of("pod-a", first.get("pod-a").histogram()), metrics))
        .as("one read: no rate yet")
        .isEmpty();

    // 20 cache misses of 100 ms each, 10 at a time, and probes that must not count
    List<CompletableFuture<HttpResponse<String>>> load = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      load.add(
          HTTP.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/products/" + i))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
      if (i % 10 == 0) {
        CompletableFuture.allOf(load.toArray(CompletableFuture[]::new)).join();
      }
    }
    for (int i = 0; i < 5; i++) {
      get(port, "/healthz");
    }
    assertThat(load).allSatisfy(f -> assertThat(f.join().statusCode()).isEqualTo(200));
    Map<String, PodScraper.Answer> second =
        scraper.read(Map.of("pod-a", "127.0.0.1"), at(port), Duration.ofSeconds(2));
    Instant t1 = Instant.now();
    RequestHistogram delta = second.get("pod-a").histogram().since(first.get("pod-a").histogram());
    assertThat(delta.count()).as("the 20 product requests, not the probes").isEqualTo(20);
    assertThat(delta.sum()).as("20 x at least the source's 100 ms").isGreaterThanOrEqualTo(2.0);

    Map<Signal, RequestReading.Value> v =
        rates.update(t1, 1, Map.of("pod-a", second.get("pod-a").histogram()), metrics);
    double seconds = Duration.between(t0, t1).toNanos() / 1e9;
    assertThat(v.get(Signal.requestsPerSecond).value()).isCloseTo(20 / seconds, within(1e-6));
    assertThat(v.get(Signal.concurrency).value())
        .as("Little's law: seconds spent in requests per second")
        .isCloseTo(delta.sum() / seconds, within(1e-6));
    assertThat(v.get(Signal.latency).value())
        .as("p95 of requests that took 100 ms and a little more")
        .isBetween(0.09, 0.5);
    assertThat(v.get(Signal.latency).answered()).isEqualTo(1);
  }

  @Test
  void aPodThatMisbehavesGivesItsReasonAndNoNumbers() throws Exception {
    HttpServer bad = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    bad.createContext(
        "/garbage",
        x -> respond(x, 200, "http_server_requests_seconds_count{route=\"/x\"} NaNish\n"));
    bad.createContext("/error", x -> respond(x, 500, "boom"));
    bad.createContext(
        "/slow",
        x -> {
          try {
            Thread.sleep(2_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          respond(x, 200, "");
        });
    bad.createContext(
        "/huge",
        x -> {
          x.sendResponseHeaders(200, 0);
          try (OutputStream out = x.getResponseBody()) {
            byte[] line =
                "# padding padding padding padding\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
            for (long sent = 0; sent <= PodScraper.MAX_BODY; sent += line.length) {
              out.write(line);
            }
          } catch (IOException closed) {
            // the scraper hung up, as it should
          }
        });
    bad.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    bad.start();
    open.add(() -> bad.stop(0));
    int port = bad.getAddress().getPort();
    PodScraper scraper = scraper();
    Map<String, String> pod = Map.of("p", "127.0.0.1");
    assertThat(answer(scraper, port, "/garbage").error()).contains("no number");
    assertThat(answer(scraper, port, "/error").error()).contains("HTTP 500");
    assertThat(answer(scraper, port, "/huge").error()).contains("over " + PodScraper.MAX_BODY);
    long start = System.nanoTime();
    assertThat(scraper.read(pod, endpoint(port, "/slow"), Duration.ofMillis(300)).get("p").error())
        .contains("300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(answer(scraper, freePort(), "/metrics").error()).contains("ConnectException");
  }

  static PodScraper.Endpoint endpoint(int port, String path) {
    return new PodScraper.Endpoint(
        port, path, SAMPLE.histogram(), SAMPLE.routeLabel(), SAMPLE.excludedRoutes());
  }

  static PodScraper.Answer answer(PodScraper scraper, int port, String path) {
    return scraper
        .read(Map.of("p", "127.0.0.1"), endpoint(port, path), Duration.ofSeconds(5))
        .get("p");
  }

  static void respond(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }
}
