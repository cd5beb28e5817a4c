package dev.swell.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.sample.Catalogue.Product;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP api: products through the two-tier cache, jobs onto the queue, a per-client rate
 * limit, health and metrics. Every error is JSON with a status a client can act on (400, 404,
 * 413, 429, 503); nothing leaks a stack trace.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 16 * 1024;

  private final Javalin app;
  private final ProductCache cache;
  private final Jobs jobs;
  private final RateLimiter limiter;
  private final Redis redis;
  private final PrometheusMeterRegistry registry;
  private final Counter limited;
  private final Counter limiterDown;
  private final Counter pushed;

  public ApiServer(Config config, Redis redis, Catalogue catalogue, PrometheusMeterRegistry registry) {
    this.redis = redis;
    this.registry = registry;
    Keys keys = new Keys(config.queueKey());
    this.cache = new ProductCache(catalogue, redis, keys, Duration.ofSeconds(config.cacheTtlSeconds()),
        Clock.systemUTC(), registry);
    this.jobs = new Jobs(redis, keys);
    this.limiter = new RateLimiter(redis, config.rateLimitRps(), config.rateLimitBurst());
    this.limited = Counter.builder("ratelimit_rejected").description("requests answered 429").register(registry);
    this.limiterDown = Counter.builder("ratelimit_unavailable").description("requests let through because Redis failed")
        .register(registry);
    this.pushed = Counter.builder("jobs_pushed").description("jobs queued").register(registry);
    this.app = Javalin.create(c -> {
      c.useVirtualThreads = true;
      c.showJavalinBanner = false;
      c.http.maxRequestSize = MAX_BODY + 1L;
    });
    app.before(ctx -> ctx.attribute("started", System.nanoTime()));
    app.before("/products/*", this::rateLimit);
    app.before("/jobs*", this::rateLimit);
    app.get("/products/{id}", this::getProduct);
    app.put("/products/{id}", this::putProduct);
    app.post("/jobs", this::postJob);
    app.get("/jobs/{id}", this::getJob);
    app.get("/healthz", ctx -> ctx.result("ok"));
    app.get("/readyz", ctx -> {
      boolean ok = redis.ping();
      ctx.status(ok ? 200 : 503).result(ok ? "ok" : "redis unavailable");
    });
    app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(registry.scrape()));
    app.after(this::record);
    app.exception(io.lettuce.core.RedisException.class, (e, ctx) ->
        error(ctx, 503, "redis unavailable, try again").header("Retry-After", "1"));
    app.exception(Exception.class, (e, ctx) -> {
      log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
      error(ctx, 500, "internal error");
    });
    app.error(404, ctx -> {
      if (ctx.result() == null || !ctx.result().startsWith("{")) {
        error(ctx, 404, "not found: " + ctx.path());
      }
    });
    app.error(413, ctx -> error(ctx, 413, "body larger than " + MAX_BODY + " bytes"));
    app.error(405, ctx -> error(ctx, 405, "method not allowed"));
  }

  public ApiServer start(int port) {
    app.start(port);
    return this;
  }

  public int port() {
    return app.port();
  }

  private void rateLimit(Context ctx) {
    String client = ctx.header("X-API-Key") != null ? "key:" + ctx.header("X-API-Key") : "ip:" + ctx.ip();
    RateLimiter.Verdict v;
    try {
      v = limiter.acquire(client);
    } catch (RuntimeException e) {
      limiterDown.increment(); // fail open: a cache outage must not take the api down
      return;
    }
    ctx.header("RateLimit-Limit", String.valueOf(limiter.limit()));
    ctx.header("RateLimit-Remaining", String.valueOf(v.remaining()));
    long resetSeconds = (v.retryAfterMillis() + 999) / 1000;
    ctx.header("RateLimit-Reset", String.valueOf(resetSeconds));
    if (!v.allowed()) {
      limited.increment();
      ctx.header("Retry-After", String.valueOf(Math.max(1, resetSeconds)));
      error(ctx, 429, "rate limit exceeded, retry in " + Math.max(1, resetSeconds) + "s");
      ctx.skipRemainingHandlers();
    }
  }

  private void getProduct(Context ctx) {
    long id = productId(ctx);
    if (id < 0) {
      return;
    }
    ProductCache.Lookup lookup = cache.get(id);
    ctx.header("X-Cache", lookup.tier() == ProductCache.Tier.source ? "MISS" : "HIT");
    ctx.header("X-Cache-Tier", lookup.tier().name());
    if (lookup.product().isEmpty()) {
      error(ctx, 404, "no product " + id);
    } else {
      ctx.json(lookup.product().get());
    }
  }

  private void putProduct(Context ctx) {
    long id = productId(ctx);
    if (id < 0) {
      return;
    }
    JsonNode body = body(ctx);
    if (body == null) {
      return;
    }
    if (!body.path("name").isTextual() || body.path("name").asText().isBlank()) {
      error(ctx, 400, "field \"name\" must be a non-empty string");
      return;
    }
    if (!body.path("priceCents").canConvertToLong() || body.path("priceCents").asLong() < 0) {
      error(ctx, 400, "field \"priceCents\" must be a whole number >= 0");
      return;
    }
    ctx.json(cache.update(new Product(id, body.get("name").asText(), body.get("priceCents").asLong())));
  }

  private void postJob(Context ctx) {
    JsonNode body = body(ctx);
    if (body == null) {
      return;
    }
    String problem = Jobs.problem(body);
    if (problem != null) {
      error(ctx, 400, problem);
      return;
    }
    String id = jobs.push(body);
    pushed.increment();
    ctx.status(202).header("Location", "/jobs/" + id).json(Map.of("id", id, "status", "queued"));
  }

  private void getJob(Context ctx) {
    String id = ctx.pathParam("id");
    if (!id.matches("[0-9a-f-]{36}")) {
      error(ctx, 400, "job id must be a UUID");
      return;
    }
    jobs.status(id).ifPresentOrElse(ctx::json, () -> error(ctx, 404, "no job " + id));
  }

  private long productId(Context ctx) {
    try {
      long id = Long.parseLong(ctx.pathParam("id"));
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    error(ctx, 400, "product id must be a positive whole number, got \"" + ctx.pathParam("id") + "\"");
    return -1;
  }

  private JsonNode body(Context ctx) {
    byte[] bytes = ctx.bodyAsBytes();
    if (bytes.length > MAX_BODY) {
      error(ctx, 413, "body larger than " + MAX_BODY + " bytes");
      return null;
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        error(ctx, 400, "body must be a JSON object");
        return null;
      }
      return node;
    } catch (java.io.IOException e) {
      error(ctx, 400, "body is not valid JSON");
      return null;
    }
  }

  private static Context error(Context ctx, int status, String message) {
    return ctx.status(status).json(Map.of("error", message));
  }

  private void record(Context ctx) {
    Long started = ctx.attribute("started");
    if (started == null) {
      return;
    }
    String route = ctx.endpointHandlerPath();
    Timer.builder("http_server_requests").tag("route", route == null || route.isEmpty() ? "unmatched" : route)
        .tag("method", ctx.method().name()).tag("status", String.valueOf(ctx.statusCode()))
        // buckets, not client-side percentiles: p50/p95/p99 come from histogram_quantile() and cost
        // no lock on the request path
        .publishPercentileHistogram()
        .register(registry).record(Duration.ofNanos(System.nanoTime() - started));
  }

  @Override
  public void close() {
    app.stop();
    cache.close();
  }
}
