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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cache-aside in two tiers: an in-process map (a hot key costs no network round trip) in front of
 * Redis (shared by every replica), in front of the slow catalogue. Concurrent misses of one key
 * read the source once. A write is acknowledged only once every replica has dropped the product
 * from its own tier: the write publishes the id, and each replica confirms on a second channel. A
 * replica whose subscription is down serves nothing from its own tier, and a lookup that raced an
 * invalidation does not keep its result, so no replica serves a value older than an acknowledged
 * write. Redis failing in front of the source is never an error (the lookup goes to the source);
 * the source itself lives in Redis, so without Redis a product that must come from there fails.
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

  /** How long a write waits for every replica to confirm its invalidation. */
  static final Duration CONFIRM_WITHIN = Duration.ofSeconds(2);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Catalogue source;
  private final Redis redis;
  private final String channel;
  private final String confirmations;
  private final Duration ttl;
  private final Duration localTtl;
  private final Clock clock;
  private final Map<Long, Local> local = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<Lookup>> loading = new ConcurrentHashMap<>();
  private final Map<String, Confirmations> writes = new ConcurrentHashMap<>();
  private final StatefulRedisPubSubConnection<String, String> invalidations;
  private final Map<Tier, Counter> hits = new EnumMap<>(Tier.class);
  private final Counter degraded;

  /** Whether invalidations reach this replica now; the local tier is used only then. */
  private volatile boolean subscribed;

  /** Bumped by every invalidation and subscription change: a lookup older than it is not kept. */
  private final AtomicLong generation = new AtomicLong();

  public ProductCache(
      Catalogue source, Redis redis, Keys keys, Duration ttl, Clock clock, MeterRegistry registry) {
    this.source = source;
    this.redis = redis;
    this.channel = keys.invalidations();
    this.confirmations = keys.invalidations() + ":confirm";
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
          public void message(String from, String message) {
            if (from.equals(channel)) {
              invalidated(message);
            } else if (from.equals(confirmations)) {
              Confirmations c = writes.get(message);
              if (c != null) {
                c.add();
              }
            }
          }

          @Override
          public void subscribed(String to, long count) {
            if (to.equals(channel)) { // at start and after every reconnection
              forgetAll();
              subscribed = true;
            }
          }
        });
    redis.onDisconnect(
        invalidations,
        () -> {
          subscribed = false;
          forgetAll();
        });
    invalidations.sync().subscribe(channel, confirmations);
  }

  /** "id nonce": drop the product, then confirm to the writer. */
  private void invalidated(String message) {
    int space = message.indexOf(' ');
    try {
      local.remove(Long.parseLong(space < 0 ? message : message.substring(0, space)));
    } catch (NumberFormatException ignored) {
      return; // not ours
    }
    generation.incrementAndGet();
    if (space > 0) {
      redis.async().publish(confirmations, message.substring(space + 1));
    }
  }

  private void forgetAll() {
    generation.incrementAndGet();
    local.clear();
  }

  /**
   * The in-process tier's answer, or null when the lookup needs Redis or the source. Never blocks.
   */
  public Lookup peek(long id) {
    Local l = subscribed ? local.get(id) : null;
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
      try {
        return running.join(); // single flight: wait for the load already under way
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
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

  /**
   * Writes a product of the catalogue. True once every replica subscribed at the time has dropped
   * it from its own tier (then every replica serves the new value); false when one did not confirm
   * within {@link #CONFIRM_WITHIN} (the write stands, but a replica may serve the old value until
   * its entry expires). Throws when Redis fails: nothing was written.
   */
  public boolean update(Product p) {
    String nonce = UUID.randomUUID().toString();
    Confirmations confirmed = new Confirmations();
    writes.put(nonce, confirmed);
    try {
      local.remove(p.id());
      long replicas = source.write(p, Keys.product(p.id()), channel, p.id() + " " + nonce);
      return confirmed.await(replicas, CONFIRM_WITHIN);
    } finally {
      writes.remove(nonce);
    }
  }

  /** Counts the replicas that confirmed a write. */
  private static final class Confirmations {
    private int count;

    synchronized void add() {
      count++;
      notifyAll();
    }

    synchronized boolean await(long expected, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      while (count < expected) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private Lookup load(long id) {
    long since = generation.get();
    String key = Keys.product(id);
    try {
      String cached = redis.commands().get(key);
      if (cached != null) {
        Optional<Product> p = parse(cached);
        hits.get(Tier.redis).increment();
        return new Lookup(p, Tier.redis, remember(since, id, p));
      }
    } catch (RuntimeException e) {
      degraded.increment();
    }
    Optional<Product> p;
    if (Catalogue.has(id)) {
      p = parse(source.read(id, key, ttl.toSeconds()));
    } else {
      p = Optional.empty(); // no write can add it: its absence is cached like a product
      try {
        redis.commands().setex(key, ttl.toSeconds(), "");
      } catch (RuntimeException e) {
        degraded.increment();
      }
    }
    hits.get(Tier.source).increment();
    return new Lookup(p, Tier.source, remember(since, id, p));
  }

  private static Optional<Product> parse(String json) {
    try {
      return json.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(json, Product.class));
    } catch (IOException e) {
      throw new IllegalStateException("not a product: " + json, e);
    }
  }

  /**
   * Keeps a lookup in the local tier, unless an invalidation or a subscription change came since it
   * began (it may hold the value just replaced). Returns the product's JSON either way.
   */
  private byte[] remember(long since, long id, Optional<Product> p) {
    byte[] json = p.map(ProductCache::render).orElse(null);
    if (!subscribed || generation.get() != since) {
      return json;
    }
    if (local.size() >= LOCAL_MAX_ENTRIES) {
      local.keySet().stream().findAny().ifPresent(local::remove);
    }
    local.put(id, new Local(p, json, clock.millis() + localTtl.toMillis()));
    if (generation.get() != since) {
      local.remove(id); // an invalidation came while it was put
    }
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
