package dev.swell.sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.sample.Catalogue.Product;
import dev.swell.sample.http.Handler;
import dev.swell.sample.http.HttpServer;
import dev.swell.sample.http.Reply;
import dev.swell.sample.http.Request;
import dev.swell.sample.http.Response;
import dev.swell.sample.http.Response.Header;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The HTTP api: products through the two-tier cache, jobs onto the queue, a per-client rate limit,
 * health and metrics. Every error is JSON with a status a client can act on (400, 404, 405, 413,
 * 429, 503); nothing leaks a stack trace.
 *
 * <p>What needs no I/O is answered on the event loop: a product in the in-process tier, for a
 * client whose rate limit this replica can decide from its lease, costs no thread hand-off and no
 * network round trip. Everything else (a miss, a write, a job, a rate limit check in Redis) runs as
 * plain blocking code on a virtual thread.
 */
public final class ApiServer implements Handler, AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 16 * 1024;
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f-]{36}");
  private static final Response OK = Response.text(200, "ok");
  private static final CharSequence PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
  private static final Header RESET_NOW = Header.of("RateLimit-Reset", 0);
  private static final Header RETRY_SOON = Header.of("Retry-After", 1);
  private static final Map<ProductCache.Tier, List<Header>> CACHE_HEADERS = cacheHeaders();

  /**
   * Methods named as such in the metrics; anything else is OTHER, so a client cannot mint series.
   */
  private static final List<String> METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER");

  private static final int STATUSES = 500; // 100 to 599

  private final ProductCache cache;
  private final Jobs jobs;
  private final RateLimiter limiter;
  private final Redis redis;
  private final PrometheusMeterRegistry registry;
  private final Counter limited;
  private final Counter limiterDown;
  private final Counter pushed;

  /**
   * The request timer of each route, method and status, registered on first use; found without a
   * map lookup.
   */
  private final AtomicReferenceArray<Timer> timers =
      new AtomicReferenceArray<>(Route.values().length * METHODS.size() * STATUSES);

  private final Header rateLimitLimit;
  private final ClientIdentity clients;
  private HttpServer server;

  public ApiServer(
      Config config, Redis redis, Catalogue catalogue, PrometheusMeterRegistry registry) {
    this.redis = redis;
    this.registry = registry;
    Keys keys = new Keys(config.queueKey());
    this.cache =
        new ProductCache(
            catalogue,
            redis,
            keys,
            Duration.ofSeconds(config.cacheTtlSeconds()),
            Clock.systemUTC(),
            registry);
    this.jobs = new Jobs(redis, keys);
    this.limiter = new RateLimiter(redis, config.rateLimitRps(), config.rateLimitBurst());
    this.clients = new ClientIdentity(config.apiKeys(), config.trustedProxies());
    this.rateLimitLimit = Header.of("RateLimit-Limit", config.rateLimitBurst());
    this.limited =
        Counter.builder("ratelimit_rejected")
            .description("requests answered 429")
            .register(registry);
    this.limiterDown =
        Counter.builder("ratelimit_unavailable")
            .description("requests let through because Redis failed")
            .register(registry);
    this.pushed = Counter.builder("jobs_pushed").description("jobs queued").register(registry);
  }

  public ApiServer start(int port) {
    server = HttpServer.start("api", port, MAX_BODY, this);
    return this;
  }

  public int port() {
    return server.port();
  }

  @Override
  public Reply handle(Request req) {
    Route route = Route.of(req.path());
    if (route == Route.UNMATCHED) {
      return Response.error(404, "not found: " + req.path());
    }
    if (!route.methods.contains(req.method())) {
      return Response.error(405, "method " + req.method() + " not allowed on " + req.path());
    }
    if (!route.rateLimited) {
      return serve(route, req);
    }
    String client = clients.of(req);
    if (client == ClientIdentity.UNKNOWN_KEY) {
      return Response.error(401, "unknown API key (header " + ClientIdentity.API_KEY + ")");
    }
    RateLimiter.Verdict known = limiter.tryLocal(client);
    if (known != null) {
      return limit(known, route, req);
    }
    return later(
        () -> {
          RateLimiter.Verdict v;
          try {
            v = limiter.acquire(client);
          } catch (RuntimeException e) {
            limiterDown.increment(); // fail open: a cache outage must not take the api down
            return resolve(serve(route, req));
          }
          return resolve(limit(v, route, req));
        });
  }

  /**
   * The route's answer behind a verdict: 429, or the answer with the client's RateLimit headers.
   */
  private Reply limit(RateLimiter.Verdict v, Route route, Request req) {
    long resetSeconds = (v.retryAfterMillis() + 999) / 1000;
    Header remaining = new Header("RateLimit-Remaining", Long.toString(v.remaining()));
    Header reset =
        resetSeconds == 0 ? RESET_NOW : new Header("RateLimit-Reset", Long.toString(resetSeconds));
    if (!v.allowed()) {
      limited.increment();
      long retry = Math.max(1, resetSeconds);
      return Response.error(429, "rate limit exceeded, retry in " + retry + "s")
          .with(
              List.of(
                  rateLimitLimit,
                  remaining,
                  reset,
                  new Header("Retry-After", Long.toString(retry))));
    }
    List<Header> headers = List.of(rateLimitLimit, remaining, reset);
    return switch (serve(route, req)) {
      case Response r -> r.with(headers);
      case Reply.Later blocking -> Reply.later(() -> blocking.work().get().with(headers));
    };
  }

  private Reply serve(Route route, Request req) {
    return switch (route) {
      case PRODUCT -> req.method().equals("GET") ? getProduct(req) : later(() -> putProduct(req));
      case JOBS -> later(() -> postJob(req));
      case JOB -> getJob(req);
      case HEALTHZ -> OK;
      case READYZ -> later(() -> redis.ping() ? OK : Response.text(503, "redis unavailable"));
      case METRICS -> scrape(registry);
      case UNMATCHED -> Response.error(404, "not found: " + req.path());
    };
  }

  private Reply getProduct(Request req) {
    long id = productId(req);
    if (id < 0) {
      return badProductId(req);
    }
    ProductCache.Lookup hot = cache.peek(id);
    return hot != null ? product(id, hot) : later(() -> product(id, cache.get(id)));
  }

  private static Response product(long id, ProductCache.Lookup lookup) {
    Response r =
        lookup.product().isEmpty()
            ? Response.error(404, "no product " + id)
            : Response.json(200, lookup.json());
    return r.with(CACHE_HEADERS.get(lookup.tier()));
  }

  private Response putProduct(Request req) {
    long id = productId(req);
    if (id < 0) {
      return badProductId(req);
    }
    if (!Catalogue.has(id)) {
      return Response.error(
          404, "no product " + id + " (the catalogue has 1 to " + Catalogue.SIZE + ")");
    }
    Body parsed = Body.of(req);
    if (parsed.problem() != null) {
      return Response.error(400, parsed.problem());
    }
    JsonNode body = parsed.object();
    if (!body.path("name").isTextual()
        || body.path("name").asText().isBlank()
        || body.path("name").asText().length() > Catalogue.MAX_NAME) {
      return Response.error(
          400,
          "field \"name\" must be a non-empty string of at most "
              + Catalogue.MAX_NAME
              + " characters");
    }
    if (!body.path("priceCents").canConvertToLong() || body.path("priceCents").asLong() < 0) {
      return Response.error(400, "field \"priceCents\" must be a whole number >= 0");
    }
    Product p = new Product(id, body.get("name").asText(), body.get("priceCents").asLong());
    if (!cache.update(p)) {
      return Response.error(
              503,
              "product "
                  + id
                  + " was written, but not every replica confirmed it yet: one may serve the old"
                  + " value for a while; repeat the PUT to be sure")
          .with(List.of(RETRY_SOON));
    }
    return json(200, p);
  }

  private Response postJob(Request req) {
    Body parsed = Body.of(req);
    if (parsed.problem() != null) {
      return Response.error(400, parsed.problem());
    }
    JsonNode body = parsed.object();
    String problem = Jobs.problem(body);
    if (problem != null) {
      return Response.error(400, problem);
    }
    String id = jobs.push(body);
    pushed.increment();
    return json(202, Map.of("id", id, "status", "queued"))
        .with(List.of(new Header("Location", "/jobs/" + id)));
  }

  private Reply getJob(Request req) {
    String id = req.path().substring("/jobs/".length());
    if (!JOB_ID.matcher(id).matches()) {
      return Response.error(400, "job id must be a UUID");
    }
    return later(
        () ->
            jobs.status(id)
                .map(status -> json(200, status))
                .orElseGet(() -> Response.error(404, "no job " + id)));
  }

  /** The product id of /products/{id}, or -1. */
  private static long productId(Request req) {
    try {
      long id = Long.parseLong(req.path().substring("/products/".length()));
      return id > 0 ? id : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Response badProductId(Request req) {
    return Response.error(
        400,
        "product id must be a positive whole number, got \""
            + req.path().substring("/products/".length())
            + "\"");
  }

  /** A request body read as a JSON object, or what is wrong with it. */
  private record Body(JsonNode object, String problem) {
    static Body of(Request req) {
      try {
        JsonNode node = JSON.readTree(req.body());
        return node != null && node.isObject()
            ? new Body(node, null)
            : new Body(null, "body must be a JSON object");
      } catch (IOException e) {
        return new Body(null, "body is not valid JSON");
      }
    }
  }

  private static Response json(int status, Object body) {
    try {
      return Response.json(status, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + body.getClass().getSimpleName(), e);
    }
  }

  /** Blocking work; Redis failing under it is a 503 with Retry-After, never a stack trace. */
  private static Reply later(Supplier<Response> work) {
    return Reply.later(
        () -> {
          try {
            return work.get();
          } catch (RedisException e) {
            return Response.error(503, "redis unavailable, try again").with(List.of(RETRY_SOON));
          }
        });
  }

  /**
   * A reply that is known by now: the answer, or its blocking part run here (already on a virtual
   * thread).
   */
  private static Response resolve(Reply reply) {
    return switch (reply) {
      case Response r -> r;
      case Reply.Later blocking -> blocking.work().get();
    };
  }

  /** The Prometheus text of every meter; rendering takes a while, so it runs off the event loop. */
  static Reply scrape(PrometheusMeterRegistry registry) {
    return Reply.later(
        () ->
            new Response(
                200, PROMETHEUS, registry.scrape().getBytes(StandardCharsets.UTF_8), List.of()));
  }

  /** X-Cache (HIT or MISS) and X-Cache-Tier for each tier that can answer. */
  private static Map<ProductCache.Tier, List<Header>> cacheHeaders() {
    Map<ProductCache.Tier, List<Header>> m = new EnumMap<>(ProductCache.Tier.class);
    for (ProductCache.Tier t : ProductCache.Tier.values()) {
      m.put(
          t,
          List.of(
              Header.of("X-Cache", t == ProductCache.Tier.source ? "MISS" : "HIT"),
              Header.of("X-Cache-Tier", t.name())));
    }
    return m;
  }

  @Override
  public void completed(Request req, int status, long nanos) {
    Route route = Route.of(req.path());
    int method = methodIndex(req.method());
    int slot = (route.ordinal() * METHODS.size() + method) * STATUSES + status - 100;
    Timer timer = timers.get(slot);
    if (timer == null) { // a race registers twice and gets the same timer back
      timer =
          Timer.builder("http_server_requests")
              .tag("route", route.tag)
              .tag("method", METHODS.get(method))
              .tag("status", String.valueOf(status))
              // buckets, not client-side percentiles: p50/p95/p99 come from histogram_quantile()
              // and
              // cost no lock on the request path
              .publishPercentileHistogram()
              .register(registry);
      timers.set(slot, timer);
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  private static int methodIndex(String method) {
    int i = METHODS.indexOf(method);
    return i >= 0 ? i : METHODS.size() - 1;
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    cache.close();
  }
}
