package dev.swell.sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.sample.Catalogue.Product;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cache-aside in two tiers: an in-process map (a hot key costs no network round trip) in front of
 * Redis (shared by every replica), in front of the slow catalogue. Concurrent misses of one key
 * read the source once. A write deletes the Redis entry and publishes the id, and every replica
 * drops it from its own tier, so the tiers stay coherent. Redis trouble is never an error: the
 * product comes from the source, and the fallback is counted.
 */
public final class ProductCache implements AutoCloseable {

  public enum Tier {
    local,
    redis,
    source
  }

  /**
   * A lookup's outcome: the product (empty: no such product), the tier that answered, and the
   * product as JSON, rendered once when it entered the local tier so a hit costs no serialization.
   */
  public record Lookup(Optional<Product> product, Tier tier, byte[] json) {}

  private record Local(Optional<Product> product, byte[] json, long expiresAtMillis) {}

  static final int LOCAL_MAX_ENTRIES = 10_000;
  static final Duration LOCAL_TTL_MAX = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Catalogue source;
  private final Redis redis;
  private final Keys keys;
  private final Duration ttl;
  private final Duration localTtl;
  private final Clock clock;
  private final Map<Long, Local> local = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<Lookup>> loading = new ConcurrentHashMap<>();
  private final StatefulRedisPubSubConnection<String, String> invalidations;
  private final Map<Tier, Counter> hits = new EnumMap<>(Tier.class);
  private final Counter degraded;

  public ProductCache(
      Catalogue source, Redis redis, Keys keys, Duration ttl, Clock clock, MeterRegistry registry) {
    this.source = source;
    this.redis = redis;
    this.keys = keys;
    this.ttl = ttl;
    this.localTtl = ttl.compareTo(LOCAL_TTL_MAX) < 0 ? ttl : LOCAL_TTL_MAX;
    this.clock = clock;
    for (Tier t : Tier.values()) {
      hits.put(
          t,
          Counter.builder("cache_lookups")
              .tag("tier", t.name())
              .description("product lookups by the tier that answered")
              .register(registry));
    }
    degraded =
        Counter.builder("cache_redis_failures")
            .description("lookups that fell back to the source because Redis failed")
            .register(registry);
    invalidations = redis.pubSub();
    invalidations.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            try {
              local.remove(Long.parseLong(message));
            } catch (NumberFormatException ignored) {
              // not ours
            }
          }
        });
    invalidations.sync().subscribe(keys.invalidations());
  }

  /**
   * The in-process tier's answer, or null when the lookup needs Redis or the source. Never blocks.
   */
  public Lookup peek(long id) {
    Local l = local.get(id);
    if (l == null || l.expiresAtMillis() <= clock.millis()) {
      return null;
    }
    hits.get(Tier.local).increment();
    return new Lookup(l.product(), Tier.local, l.json());
  }

  /** The product through both tiers; may block on Redis or the source. */
  public Lookup get(long id) {
    Lookup hit = peek(id);
    if (hit != null) {
      return hit;
    }
    CompletableFuture<Lookup> mine = new CompletableFuture<>();
    CompletableFuture<Lookup> running = loading.putIfAbsent(id, mine);
    if (running != null) {
      return running.join(); // single flight: wait for the load already under way
    }
    try {
      Lookup result = load(id);
      mine.complete(result);
      return result;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      loading.remove(id, mine);
    }
  }

  public Product update(Product p) {
    source.write(p);
    local.remove(p.id());
    try {
      redis.commands().del(Keys.product(p.id()));
      redis.commands().publish(keys.invalidations(), String.valueOf(p.id()));
    } catch (RuntimeException e) {
      degraded.increment(); // the entry expires with its TTL
    }
    return p;
  }

  private Lookup load(long id) {
    String key = Keys.product(id);
    try {
      String cached = redis.commands().get(key);
      if (cached != null) {
        Optional<Product> p =
            cached.isEmpty()
                ? Optional.empty()
                : Optional.of(JSON.readValue(cached, Product.class));
        hits.get(Tier.redis).increment();
        return new Lookup(p, Tier.redis, remember(id, p));
      }
    } catch (RuntimeException | IOException e) {
      degraded.increment();
    }
    Optional<Product> p = source.read(id);
    try {
      redis
          .commands()
          .setex(key, ttl.toSeconds(), p.isPresent() ? JSON.writeValueAsString(p.get()) : "");
    } catch (RuntimeException | IOException e) {
      degraded.increment();
    }
    hits.get(Tier.source).increment();
    return new Lookup(p, Tier.source, remember(id, p));
  }

  private byte[] remember(long id, Optional<Product> p) {
    if (local.size() >= LOCAL_MAX_ENTRIES) {
      local.keySet().stream().findAny().ifPresent(local::remove);
    }
    byte[] json = p.map(ProductCache::render).orElse(null);
    local.put(id, new Local(p, json, clock.millis() + localTtl.toMillis()));
    return json;
  }

  private static byte[] render(Product p) {
    try {
      return JSON.writeValueAsBytes(p);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a product always renders", e);
    }
  }

  @Override
  public void close() {
    invalidations.close();
  }
}
