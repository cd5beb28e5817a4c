package dev.swell.sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScriptOutputType;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The slow source of truth the cache protects, standing in for a database that every replica
 * shares: products 1 to {@value #SIZE}, as first made unless a write changed them. It lives in
 * Redis, with no expiry, so the managed Redis' eviction policy never drops it. The set of products
 * is fixed: a write changes a product, never adds one, so writes cannot grow it. A read fills the
 * cache's Redis entry in the same atomic step, and a write drops that entry and announces the
 * change in the same step, so a read never puts back a value older than the last write.
 */
public final class Catalogue {

  public record Product(long id, String name, long priceCents) {}

  public static final int SIZE = 1000;
  public static final int MAX_NAME = 200;
  static final String KEY = "catalogue:products";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Redis redis;
  private final int delayMillis;
  private final Semaphore connections;
  private final AtomicLong reads = new AtomicLong();

  public Catalogue(Redis redis, int delayMillis) {
    this(redis, delayMillis, 0);
  }

  /**
   * @param connections how many reads this replica may have at the source at once, as a database
   *     connection pool allows (the others wait their turn); 0 for no limit
   */
  public Catalogue(Redis redis, int delayMillis, int connections) {
    this.redis = redis;
    this.delayMillis = delayMillis;
    this.connections = connections > 0 ? new Semaphore(connections, true) : null;
  }

  public static boolean has(long id) {
    return id >= 1 && id <= SIZE;
  }

  /**
   * KEYS: the catalogue, the cache entry; ARGV: the id, the cache TTL in seconds, the product as
   * first made. Returns the product as JSON.
   */
  static final String READ =
      """
      local v = redis.call('HGET', KEYS[1], ARGV[1]) or ARGV[3]
      redis.call('SET', KEYS[2], v, 'EX', ARGV[2])
      return v
      """;

  /**
   * A product of the catalogue as JSON, after the source's latency, having filled {@code cacheKey}
   * with it for {@code ttlSeconds}. Throws when Redis fails: without it there is no source.
   */
  public String read(long id, String cacheKey, long ttlSeconds) {
    if (!has(id)) {
      throw new IllegalArgumentException("no product " + id);
    }
    reads.incrementAndGet();
    if (delayMillis > 0) {
      try {
        if (connections != null) {
          connections.acquire();
        }
        try {
          Thread.sleep(delayMillis);
        } finally {
          if (connections != null) {
            connections.release();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      return redis
          .commands()
          .eval(
              READ,
              ScriptOutputType.VALUE,
              new String[] {KEY, cacheKey},
              String.valueOf(id),
              String.valueOf(ttlSeconds),
              JSON.writeValueAsString(new Product(id, "Product " + id, 100 * id)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a product always renders", e);
    }
  }

  /** KEYS: the catalogue, the cache entry; ARGV: the id, the product, the channel, the message. */
  static final String WRITE =
      """
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      redis.call('DEL', KEYS[2])
      return redis.call('PUBLISH', ARGV[3], ARGV[4])
      """;

  /**
   * Writes a product of the catalogue, drops its cache entry and publishes {@code message} on
   * {@code channel}, in one step; returns how many subscribers received the message.
   */
  public long write(Product p, String cacheKey, String channel, String message) {
    if (!has(p.id())) {
      throw new IllegalArgumentException("no product " + p.id());
    }
    try {
      return redis
          .commands()
          .eval(
              WRITE,
              ScriptOutputType.INTEGER,
              new String[] {KEY, cacheKey},
              String.valueOf(p.id()),
              JSON.writeValueAsString(p),
              channel,
              message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a product always renders", e);
    }
  }

  /** How often the source was read: what the cache saves. */
  public long reads() {
    return reads.get();
  }
}
