package dev.swell.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.sample.Catalogue.Product;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP api: products through the two-tier cache, jobs onto the queue, a per-client rate
 * limit, health and metrics. Every error is JSON with a status a client can act on (400, 404,
 * 405, 413, 429, 503); nothing leaks a stack trace.
 *
 * <p>Helidon SE's server gives each connection a virtual thread, so handlers block on Redis like
 * plain code and thousands of connections cost little memory.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 16 * 1024;
  /**
   * Connections the kernel holds for us before we accept them. A small backlog overflows when
   * hundreds of clients connect at once; the kernel then drops their handshakes and those clients
   * wait a second or more for a retransmission.
   */
  static final int ACCEPT_QUEUE = 1024;
  private static final HeaderName API_KEY = HeaderNames.create("X-API-Key");
  private static final HeaderName RATELIMIT_REMAINING = HeaderNames.create("RateLimit-Remaining");
  private static final HeaderName RATELIMIT_RESET = HeaderNames.create("RateLimit-Reset");
  // headers whose values repeat are built once, their bytes included
  private static final Header JSON_TYPE = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");
  private static final Header RESET_NOW = HeaderValues.createCached(RATELIMIT_RESET, 0);
  private static final Map<ProductCache.Tier, List<Header>> CACHE_HEADERS = cacheHeaders();
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f-]{36}");
  /** The routes, for 405 on a known path with another method and for the metrics' route tag. */
  private static final Pattern PRODUCT = Pattern.compile("/products/[^/]+");
  private static final Pattern JOB = Pattern.compile("/jobs/[^/]+");

  private final ProductCache cache;
  private final Jobs jobs;
  private final RateLimiter limiter;
  private final Redis redis;
  private final PrometheusMeterRegistry registry;
  private final Counter limited;
  private final Counter limiterDown;
  private final Counter pushed;
  /** One timer per route, method and status, found by a string key rather than built per request. */
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Header rateLimitLimit;
  private WebServer server;

  public ApiServer(Config config, Redis redis, Catalogue catalogue, PrometheusMeterRegistry registry) {
    this.redis = redis;
    this.registry = registry;
    Keys keys = new Keys(config.queueKey());
    this.cache = new ProductCache(catalogue, redis, keys, Duration.ofSeconds(config.cacheTtlSeconds()),
        Clock.systemUTC(), registry);
    this.jobs = new Jobs(redis, keys);
    this.limiter = new RateLimiter(redis, config.rateLimitRps(), config.rateLimitBurst());
    this.rateLimitLimit = HeaderValues.createCached("RateLimit-Limit", config.rateLimitBurst());
    this.limited = Counter.builder("ratelimit_rejected").description("requests answered 429").register(registry);
    this.limiterDown = Counter.builder("ratelimit_unavailable").description("requests let through because Redis failed")
        .register(registry);
    this.pushed = Counter.builder("jobs_pushed").description("jobs queued").register(registry);
  }

  public ApiServer start(int port) {
    server = WebServer.builder()
        .port(port)
        .backlog(ACCEPT_QUEUE)
        .shutdownHook(false) // SampleApp's hook stops us, then closes Redis
        .routing(this::routes)
        .build()
        .start();
    return this;
  }

  private void routes(HttpRouting.Builder r) {
    r.addFilter(this::measure)
        .addFilter(this::rateLimit)
        .get("/products/{id}", this::getProduct)
        .put("/products/{id}", this::putProduct)
        .post("/jobs", this::postJob)
        .get("/jobs/{id}", this::getJob)
        .get("/healthz", (req, res) -> res.send("ok"))
        .get("/readyz", (req, res) -> {
          boolean ok = redis.ping();
          res.status(ok ? 200 : 503).send(ok ? "ok" : "redis unavailable");
        })
        .get("/metrics", (req, res) -> {
          res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4").send(registry.scrape());
        })
        .any((req, res) -> {
          String path = req.path().path();
          if (route(path) != null) {
            error(res, 405, "method " + req.prologue().method().text() + " not allowed on " + path);
          } else {
            error(res, 404, "not found: " + path);
          }
        })
        .error(io.lettuce.core.RedisException.class, (req, res, e) ->
            error(res.header(HeaderNames.RETRY_AFTER, "1"), 503, "redis unavailable, try again"))
        .error(Exception.class, (req, res, e) -> {
          log.error("unexpected error on {} {}", req.prologue().method().text(), req.path().path(), e);
          error(res, 500, "internal error");
        });
  }

  public int port() {
    return server.port();
  }

  private void rateLimit(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    String path = req.path().path();
    if (!path.startsWith("/products/") && !path.startsWith("/jobs")) {
      chain.proceed();
      return;
    }
    String key = req.headers().first(API_KEY).orElse(null);
    String client = key != null ? "key:" + key : "ip:" + req.remotePeer().host();
    RateLimiter.Verdict v;
    try {
      v = limiter.acquire(client);
    } catch (RuntimeException e) {
      limiterDown.increment(); // fail open: a cache outage must not take the api down
      chain.proceed();
      return;
    }
    long resetSeconds = (v.retryAfterMillis() + 999) / 1000;
    res.header(rateLimitLimit);
    res.header(HeaderValues.create(RATELIMIT_REMAINING, v.remaining()));
    res.header(resetSeconds == 0 ? RESET_NOW : HeaderValues.create(RATELIMIT_RESET, resetSeconds));
    if (v.allowed()) {
      chain.proceed();
      return;
    }
    limited.increment();
    long retry = Math.max(1, resetSeconds);
    error(res.header(HeaderNames.RETRY_AFTER, String.valueOf(retry)), 429, "rate limit exceeded, retry in " + retry + "s");
  }

  private void getProduct(ServerRequest req, ServerResponse res) {
    long id = productId(req, res);
    if (id < 0) {
      return;
    }
    ProductCache.Lookup lookup = cache.get(id);
    CACHE_HEADERS.get(lookup.tier()).forEach(res::header);
    if (lookup.product().isEmpty()) {
      error(res, 404, "no product " + id);
    } else {
      res.header(JSON_TYPE).send(lookup.json());
    }
  }

  private void putProduct(ServerRequest req, ServerResponse res) {
    long id = productId(req, res);
    if (id < 0) {
      return;
    }
    JsonNode body = body(req, res);
    if (body == null) {
      return;
    }
    if (!body.path("name").isTextual() || body.path("name").asText().isBlank()) {
      error(res, 400, "field \"name\" must be a non-empty string");
      return;
    }
    if (!body.path("priceCents").canConvertToLong() || body.path("priceCents").asLong() < 0) {
      error(res, 400, "field \"priceCents\" must be a whole number >= 0");
      return;
    }
    json(res, 200, cache.update(new Product(id, body.get("name").asText(), body.get("priceCents").asLong())));
  }

  private void postJob(ServerRequest req, ServerResponse res) {
    JsonNode body = body(req, res);
    if (body == null) {
      return;
    }
    String problem = Jobs.problem(body);
    if (problem != null) {
      error(res, 400, problem);
      return;
    }
    String id = jobs.push(body);
    pushed.increment();
    json(res.header(HeaderNames.LOCATION, "/jobs/" + id), 202, Map.of("id", id, "status", "queued"));
  }

  private void getJob(ServerRequest req, ServerResponse res) {
    String id = req.path().pathParameters().get("id");
    if (!JOB_ID.matcher(id).matches()) {
      error(res, 400, "job id must be a UUID");
      return;
    }
    jobs.status(id).ifPresentOrElse(status -> json(res, 200, status), () -> error(res, 404, "no job " + id));
  }

  private static long productId(ServerRequest req, ServerResponse res) {
    String raw = req.path().pathParameters().get("id");
    try {
      long id = Long.parseLong(raw);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    error(res, 400, "product id must be a positive whole number, got \"" + raw + "\"");
    return -1;
  }

  /** The body as a JSON object, or null after answering 400 or 413. */
  private static JsonNode body(ServerRequest req, ServerResponse res) {
    if (req.headers().contentLength().orElse(0) > MAX_BODY) {
      error(res, 413, "body larger than " + MAX_BODY + " bytes");
      return null;
    }
    byte[] bytes;
    try (InputStream in = req.content().inputStream()) {
      bytes = in.readNBytes(MAX_BODY + 1); // a chunked body has no length to check up front
    } catch (IOException e) {
      error(res, 400, "could not read the body");
      return null;
    }
    if (bytes.length > MAX_BODY) {
      error(res, 413, "body larger than " + MAX_BODY + " bytes");
      return null;
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        error(res, 400, "body must be a JSON object");
        return null;
      }
      return node;
    } catch (IOException e) {
      error(res, 400, "body is not valid JSON");
      return null;
    }
  }

  private static void json(ServerResponse res, int status, Object body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + body.getClass().getSimpleName(), e);
    }
    res.status(status).header(JSON_TYPE).send(bytes);
  }

  /** X-Cache (HIT or MISS) and X-Cache-Tier for each tier that can answer. */
  private static Map<ProductCache.Tier, List<Header>> cacheHeaders() {
    Map<ProductCache.Tier, List<Header>> m = new java.util.EnumMap<>(ProductCache.Tier.class);
    for (ProductCache.Tier t : ProductCache.Tier.values()) {
      m.put(t, List.of(HeaderValues.createCached("X-Cache", t == ProductCache.Tier.source ? "MISS" : "HIT"),
          HeaderValues.createCached("X-Cache-Tier", t.name())));
    }
    return m;
  }

  private static void error(ServerResponse res, int status, String message) {
    json(res, status, Map.of("error", message));
  }

  /** The route a path belongs to, for the metrics' route tag; null for none of ours. */
  private static String route(String path) {
    return switch (path) {
      case "/jobs", "/healthz", "/readyz", "/metrics" -> path;
      default -> PRODUCT.matcher(path).matches() ? "/products/{id}" : JOB.matcher(path).matches() ? "/jobs/{id}" : null;
    };
  }

  private void measure(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    long started = System.nanoTime();
    try {
      chain.proceed();
    } finally {
      String route = route(req.path().path());
      String r = route == null ? "unmatched" : route;
      Method method = req.prologue().method();
      int status = res.status().code();
      timers.computeIfAbsent(r + ' ' + method.text() + ' ' + status, k -> Timer.builder("http_server_requests")
          .tag("route", r).tag("method", method.text()).tag("status", String.valueOf(status))
          // buckets, not client-side percentiles: p50/p95/p99 come from histogram_quantile() and
          // cost no lock on the request path
          .publishPercentileHistogram()
          .register(registry)).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop();
    }
    cache.close();
  }
}
