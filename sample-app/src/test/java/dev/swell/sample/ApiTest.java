package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.testkit.RedisServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The api against a real redis-server, as an HTTP client sees it. */
class ApiTest {

  @RegisterExtension static final RedisServer REDIS = RedisServer.plain();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  final List<AutoCloseable> open = new ArrayList<>();

  /** Every test starts with full buckets: they share Redis, and (without keys) one address. */
  @BeforeEach
  void fullBuckets() {
    try (Redis redis = new Redis(REDIS.uri(), null)) {
      List<String> buckets = redis.commands().keys("ratelimit:*");
      if (!buckets.isEmpty()) {
        redis.commands().del(buckets.toArray(String[]::new));
      }
    }
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  record Api(ApiServer server, Catalogue catalogue) {
    String url(String path) {
      return "http://127.0.0.1:" + server.port() + path;
    }
  }

  /** An api replica, with its own connections; the catalogue it shares with others is in Redis. */
  Api api(Map<String, String> extra) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "REDIS_URL",
                REDIS.uri(),
                "SOURCE_DELAY_MS",
                "30",
                "QUEUE_KEY",
                "jobs",
                "RATE_LIMIT_RPS",
                "1000",
                "RATE_LIMIT_BURST",
                "1000"));
    env.putAll(extra);
    Config config = Config.from(env);
    Redis redis = new Redis(config.redisUrl(), null);
    Catalogue catalogue = new Catalogue(redis, config.sourceDelayMillis());
    ApiServer server =
        new ApiServer(
                config, redis, catalogue, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .start(0);
    open.add(redis);
    open.add(server);
    return new Api(server, catalogue);
  }

  static HttpResponse<String> send(
      String method, String url, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String url) throws Exception {
    return send("GET", url, null, Map.of());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void aMissThenHitsInTheLocalAndTheRedisTier() throws Exception {
    Api one = api(Map.of());
    HttpResponse<String> first = get(one.url("/products/7"));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(json(first).get("name").asText()).isEqualTo("Product 7");
    HttpResponse<String> again = get(one.url("/products/7"));
    assertThat(again.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(again.headers().firstValue("X-Cache-Tier")).hasValue("local");
    Api two = api(Map.of());
    HttpResponse<String> other = get(two.url("/products/7"));
    assertThat(other.headers().firstValue("X-Cache-Tier"))
        .as("another replica: from Redis")
        .hasValue("redis");
    assertThat(one.catalogue().reads() + two.catalogue().reads()).isEqualTo(1);
  }

  @Test
  void onceAPutIsAcknowledgedEveryReplicaServesWhatItWrote() throws Exception {
    Api one = api(Map.of("SOURCE_DELAY_MS", "1"));
    Api two = api(Map.of("SOURCE_DELAY_MS", "1"));
    get(one.url("/products/9"));
    get(two.url("/products/9"));
    assertThat(get(two.url("/products/9")).headers().firstValue("X-Cache-Tier")).hasValue("local");
    // a reader keeps refilling replica two's tiers while the writes land on replica one
    AtomicBoolean reading = new AtomicBoolean(true);
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (reading.get()) {
                    try {
                      get(two.url("/products/9"));
                    } catch (Exception e) {
                      return;
                    }
                  }
                });
    try {
      for (int i = 0; i < 40; i++) {
        String name = "Renamed " + i;
        HttpResponse<String> put =
            send(
                "PUT",
                (i % 2 == 0 ? one : two).url("/products/9"),
                "{\"name\":\"" + name + "\",\"priceCents\":" + i + "}",
                Map.of());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        for (Api replica : List.of(two, one)) {
          assertThat(json(get(replica.url("/products/9"))).get("name").asText())
              .as("right after write %d was acknowledged", i)
              .isEqualTo(name);
        }
      }
    } finally {
      reading.set(false);
      reader.join(5000);
    }
  }

  @Test
  void aWriteAReplicaDoesNotConfirmIsNotAcknowledged() throws Exception {
    Api one = api(Map.of());
    try (Redis stalled = new Redis(REDIS.uri(), null);
        var subscription = stalled.pubSub()) {
      // a replica that receives the invalidation but never gets to drop its entry
      subscription.sync().subscribe("jobs:invalidate");
      HttpResponse<String> put =
          send("PUT", one.url("/products/12"), "{\"name\":\"Late\",\"priceCents\":1}", Map.of());
      assertThat(put.statusCode()).isEqualTo(503);
      assertThat(put.headers().firstValue("Retry-After")).isPresent();
      assertThat(json(put).get("error").asText()).contains("not every replica confirmed");
    }
    assertThat(
            send("PUT", one.url("/products/12"), "{\"name\":\"Late\",\"priceCents\":1}", Map.of())
                .statusCode())
        .as("once that replica is gone")
        .isEqualTo(200);
    assertThat(json(get(one.url("/products/12"))).get("name").asText()).isEqualTo("Late");
  }

  @Test
  void writesChangeTheCataloguesProductsAndNeverAddOne() throws Exception {
    Api one = api(Map.of());
    HttpResponse<String> unknown =
        send("PUT", one.url("/products/1001"), "{\"name\":\"New\",\"priceCents\":1}", Map.of());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).get("error").asText()).contains("1001", "1 to 1000");
    HttpResponse<String> longName =
        send(
            "PUT",
            one.url("/products/4"),
            "{\"name\":\"" + "x".repeat(201) + "\",\"priceCents\":1}",
            Map.of());
    assertThat(longName.statusCode()).isEqualTo(400);
    assertThat(json(longName).get("error").asText()).contains("name", "200");
    try (Redis r = new Redis(REDIS.uri(), null)) {
      assertThat(r.commands().hexists("catalogue:products", "1001")).isFalse();
    }
  }

  @Test
  void concurrentMissesReadTheSourceOnce() throws Exception {
    Api one = api(Map.of("SOURCE_DELAY_MS", "300"));
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(
          HTTP.sendAsync(
              HttpRequest.newBuilder(URI.create(one.url("/products/11"))).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (var f : all) {
      assertThat(f.get().statusCode()).isEqualTo(200);
    }
    assertThat(one.catalogue().reads()).isEqualTo(1);
  }

  @Test
  void aBurstGets429WithRetryAfterAndRateLimitHeaders() throws Exception {
    Api one =
        api(
            Map.of(
                "RATE_LIMIT_RPS",
                "2",
                "RATE_LIMIT_BURST",
                "5",
                "API_KEYS",
                "burst:burst-client,other:another"));
    Map<String, String> key = Map.of("X-API-Key", "burst-client");
    for (int i = 0; i < 5; i++) {
      assertThat(send("GET", one.url("/products/1"), null, key).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> limited = send("GET", one.url("/products/1"), null, key);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After"))
        .hasValue("1"); // 2 tokens/s: the next in 500 ms
    assertThat(limited.headers().firstValue("RateLimit-Limit")).hasValue("5");
    assertThat(limited.headers().firstValue("RateLimit-Remaining")).hasValue("0");
    assertThat(json(limited).get("error").asText()).contains("rate limit");
    assertThat(
            send("GET", one.url("/products/1"), null, Map.of("X-API-Key", "another")).statusCode())
        .as("another client has its own bucket")
        .isEqualTo(200);
    Thread.sleep(600);
    assertThat(send("GET", one.url("/products/1"), null, key).statusCode())
        .as("a token came back")
        .isEqualTo(200);
  }

  @Test
  void aKeyTheClientMakesUpBuysItNoNewBucket() throws Exception {
    // no API_KEYS: the header is not an identity, the address is
    Api one = api(Map.of("RATE_LIMIT_RPS", "1", "RATE_LIMIT_BURST", "5"));
    int passed = 0;
    for (int i = 0; i < 20; i++) {
      int code =
          send("GET", one.url("/products/1"), null, Map.of("X-API-Key", "fresh-" + i)).statusCode();
      passed += code == 200 ? 1 : 0;
    }
    assertThat(passed).as("20 requests, a new key each, one client").isLessThanOrEqualTo(6);
  }

  @Test
  void withConfiguredKeysAnUnknownKeyIsRefusedAndAVictimKeepsItsBudget() throws Exception {
    Api one =
        api(
            Map.of(
                "RATE_LIMIT_RPS",
                "1",
                "RATE_LIMIT_BURST",
                "3",
                "API_KEYS",
                "victim:v-secret,mallory:m-secret"));
    HttpResponse<String> unknown =
        send("GET", one.url("/products/1"), null, Map.of("X-API-Key", "guessed"));
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(json(unknown).get("error").asText()).contains("unknown API key");
    for (int i = 0; i < 10; i++) {
      send("GET", one.url("/products/1"), null, Map.of("X-API-Key", "m-secret"));
    }
    assertThat(
            send("GET", one.url("/products/1"), null, Map.of("X-API-Key", "v-secret")).statusCode())
        .as("another client's 429s cost the victim nothing")
        .isEqualTo(200);
  }

  @Test
  void forwardedForCountsOnlyBehindATrustedProxy() throws Exception {
    Map<String, String> limits = Map.of("RATE_LIMIT_RPS", "1", "RATE_LIMIT_BURST", "2");
    Api direct = api(limits);
    for (int i = 0; i < 3; i++) {
      send("GET", direct.url("/products/1"), null, Map.of("X-Forwarded-For", "10.0.0." + i));
    }
    assertThat(
            send("GET", direct.url("/products/1"), null, Map.of("X-Forwarded-For", "10.0.0.99"))
                .statusCode())
        .as("not behind a trusted proxy: the header is the client's, and ignored")
        .isEqualTo(429);
    Map<String, String> proxied = new HashMap<>(limits);
    proxied.put("TRUSTED_PROXIES", "127.0.0.0/8");
    Api behind = api(proxied);
    for (int i = 0; i < 3; i++) {
      send("GET", behind.url("/products/1"), null, Map.of("X-Forwarded-For", "10.0.0.1"));
    }
    assertThat(
            send("GET", behind.url("/products/1"), null, Map.of("X-Forwarded-For", "10.0.0.2"))
                .statusCode())
        .as("behind the proxy, each forwarded address is its own client")
        .isEqualTo(200);
    assertThat(
            send(
                    "GET",
                    behind.url("/products/1"),
                    null,
                    Map.of("X-Forwarded-For", "6.6.6.6, 10.0.0.1"))
                .statusCode())
        .as("the nearest untrusted hop counts, not what the client prepended")
        .isEqualTo(429);
  }

  @Test
  void aJobIsQueuedProcessedAndReported() throws Exception {
    Api one = api(Map.of("QUEUE_KEY", "api-jobs"));
    HttpResponse<String> posted =
        send("POST", one.url("/jobs"), "{\"payload\":{\"n\":1},\"workMillis\":5}", Map.of());
    assertThat(posted.statusCode()).isEqualTo(202);
    String id = json(posted).get("id").asText();
    assertThat(posted.headers().firstValue("Location")).hasValue("/jobs/" + id);
    assertThat(json(get(one.url("/jobs/" + id))).get("status").asText()).isEqualTo("queued");
    Config wc =
        Config.from(
            Map.of(
                "REDIS_URL",
                REDIS.uri(),
                "QUEUE_KEY",
                "api-jobs",
                "POD_NAME",
                "w1",
                "SWELL_COMPONENT",
                "worker"));
    Redis redis = new Redis(wc.redisUrl(), null);
    Worker worker = new Worker(wc, redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Thread t = Thread.ofVirtual().start(worker::run);
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(json(get(one.url("/jobs/" + id))).get("status").asText())
                      .isEqualTo("done"));
    } finally {
      worker.stop(Duration.ofSeconds(5));
      t.join(5000);
      worker.close();
      redis.close();
    }
  }

  @Test
  void badInputIsA400NamingTheProblemAndUnknownIdsA404() throws Exception {
    Api one = api(Map.of());
    HttpResponse<String> notNumber = get(one.url("/products/abc"));
    assertThat(notNumber.statusCode()).isEqualTo(400);
    assertThat(json(notNumber).get("error").asText()).contains("product id", "abc");
    assertThat(get(one.url("/products/5000")).statusCode()).isEqualTo(404);
    HttpResponse<String> array = send("POST", one.url("/jobs"), "[1,2]", Map.of());
    assertThat(array.statusCode()).isEqualTo(400);
    assertThat(json(array).get("error").asText()).contains("JSON object");
    assertThat(json(send("POST", one.url("/jobs"), "{\"x\":1}", Map.of())).get("error").asText())
        .contains("payload");
    assertThat(
            json(send("POST", one.url("/jobs"), "{\"payload\":1,\"workMillis\":-3}", Map.of()))
                .get("error")
                .asText())
        .contains("workMillis");
    assertThat(send("POST", one.url("/jobs"), "{not json", Map.of()).statusCode()).isEqualTo(400);
    assertThat(
            json(send(
                    "PUT", one.url("/products/3"), "{\"name\":\"x\",\"priceCents\":-1}", Map.of()))
                .get("error")
                .asText())
        .contains("priceCents");
    HttpResponse<String> big =
        send("POST", one.url("/jobs"), "{\"payload\":\"" + "x".repeat(20_000) + "\"}", Map.of());
    assertThat(big.statusCode()).isEqualTo(413);
    HttpResponse<String> bigChunked =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(one.url("/jobs")))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(new byte[40_000])))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bigChunked.statusCode())
        .as("a body without a length is cut off at the limit too")
        .isEqualTo(413);
    HttpResponse<String> wrongMethod = send("DELETE", one.url("/products/3"), null, Map.of());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(json(wrongMethod).get("error").asText()).contains("DELETE");
    assertThat(get(one.url("/jobs/00000000-0000-0000-0000-000000000000")).statusCode())
        .isEqualTo(404);
    HttpResponse<String> nowhere = get(one.url("/nowhere"));
    assertThat(nowhere.statusCode()).isEqualTo(404);
    assertThat(json(nowhere).get("error").asText()).contains("/nowhere");
  }

  /** Sends raw bytes on one connection and reads until {@code until} appears (or 5 s pass). */
  static String raw(Api api, String request, String until) throws Exception {
    try (Socket s = new Socket("127.0.0.1", api.server().port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      StringBuilder got = new StringBuilder();
      byte[] buf = new byte[4096];
      for (int n; got.indexOf(until) < 0 && (n = s.getInputStream().read(buf)) > 0; ) {
        got.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
      }
      return got.toString();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderWhenTheFirstIsSlow() throws Exception {
    Api one = api(Map.of("SOURCE_DELAY_MS", "200"));
    String got =
        raw(
            one,
            "GET /products/21 HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
            "\r\n\r\nok");
    assertThat(got).contains("Product 21", "\r\n\r\nok");
    assertThat(got.indexOf("Product 21"))
        .as("the slow miss answered first, as it was asked first")
        .isLessThan(got.indexOf("\r\n\r\nok"));
  }

  @Test
  void aMalformedRequestIsA400InJsonAndTheConnectionCloses() throws Exception {
    Api one = api(Map.of());
    String got = raw(one, "NOT HTTP AT ALL\r\n\u0001\u0002\r\n\r\n", "}");
    assertThat(got)
        .startsWith("HTTP/1.1 400")
        .contains("{\"error\":\"malformed HTTP request\"}")
        .doesNotContain("Exception");
  }

  @Test
  void withRedisDownProductsAndJobsAre503WithRetryAfter() throws Exception {
    RedisServer flaky = RedisServer.plain().start();
    Api one = api(Map.of("REDIS_URL", flaky.uri()));
    assertThat(get(one.url("/readyz")).statusCode()).isEqualTo(200);
    assertThat(get(one.url("/products/8")).statusCode()).isEqualTo(200);
    flaky.stop();
    // the catalogue lives in Redis, and a replica cut off from invalidations serves nothing from
    // its own tier: it could be older than a write acknowledged meanwhile
    for (String path : List.of("/products/8", "/products/9")) {
      HttpResponse<String> product = get(one.url(path));
      assertThat(product.statusCode()).as(path).isEqualTo(503);
      assertThat(product.headers().firstValue("Retry-After")).isPresent();
      assertThat(product.body()).doesNotContain("Exception").doesNotContain("at dev.");
    }
    HttpResponse<String> put =
        send("PUT", one.url("/products/8"), "{\"name\":\"x\",\"priceCents\":1}", Map.of());
    assertThat(put.statusCode()).isEqualTo(503);
    HttpResponse<String> job = send("POST", one.url("/jobs"), "{\"payload\":1}", Map.of());
    assertThat(job.statusCode()).isEqualTo(503);
    assertThat(job.headers().firstValue("Retry-After")).isPresent();
    assertThat(job.body()).doesNotContain("Exception").doesNotContain("at dev.");
    assertThat(get(one.url("/readyz")).statusCode()).isEqualTo(503);
    assertThat(get(one.url("/metrics")).body())
        .contains("cache_redis_failures_total", "http_server_requests");
  }
}
