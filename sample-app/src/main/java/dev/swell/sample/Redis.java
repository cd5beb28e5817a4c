package dev.swell.sample;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The app's Redis: one multiplexed connection shared by every request, fail-fast while Redis is
 * away (commands are rejected, not queued) and reconnecting by itself when it returns.
 */
public final class Redis implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofMillis(2000);

  /** How long the app keeps trying to reach Redis at start before it gives up (exit 1). */
  static final Duration START_PATIENCE = Duration.ofSeconds(60);

  static final Duration RECONNECT_AT_MOST = Duration.ofSeconds(1);

  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final StatefulRedisConnection<String, String> shared;

  public Redis(String url, String password) {
    uri = RedisURI.create(url);
    if (password != null && !password.isEmpty()) {
      uri.setCredentialsProvider(
          RedisCredentialsProvider.from(() -> RedisCredentials.just(null, password)));
    }
    uri.setTimeout(TIMEOUT);
    // reconnect attempts back off to at most a second apart (Lettuce's default is 30 s), so the
    // app works again within a second of Redis answering after an outage
    resources =
        DefaultClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), RECONNECT_AT_MOST, 2, TimeUnit.MILLISECONDS))
            .build();
    client = RedisClient.create(resources);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
            .timeoutOptions(TimeoutOptions.enabled(TIMEOUT))
            .build());
    shared = connectAtStart();
  }

  /**
   * Redis may start after us, or answer slowly on a busy node: retry, saying so, then give up
   * cleanly.
   */
  private StatefulRedisConnection<String, String> connectAtStart() {
    long deadline = System.nanoTime() + START_PATIENCE.toNanos();
    long backoff = 200;
    while (true) {
      try {
        return client.connect(uri);
      } catch (RedisException e) {
        if (System.nanoTime() > deadline) {
          throw new Unreachable(
              "Redis at "
                  + uri.getHost()
                  + ":"
                  + uri.getPort()
                  + " unreachable for "
                  + START_PATIENCE.toSeconds()
                  + "s: "
                  + rootMessage(e));
        }
        LoggerFactory.getLogger(Redis.class)
            .warn("waiting for Redis at {}:{}: {}", uri.getHost(), uri.getPort(), rootMessage(e));
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new Unreachable("interrupted while waiting for Redis");
        }
        backoff = Math.min(backoff * 2, 3000);
      }
    }
  }

  /** Redis could not be reached at start. */
  public static final class Unreachable extends RuntimeException {
    Unreachable(String message) {
      super(message);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  public RedisCommands<String, String> commands() {
    return shared.sync();
  }

  /** The shared connection's non-blocking commands, for callers that batch or coalesce. */
  public RedisAsyncCommands<String, String> async() {
    return shared.async();
  }

  /** A connection of its own, for blocking commands (BLMOVE) that would stall the shared one. */
  public StatefulRedisConnection<String, String> dedicated(Duration timeout) {
    StatefulRedisConnection<String, String> c = client.connect(uri);
    c.setTimeout(timeout);
    return c;
  }

  public StatefulRedisPubSubConnection<String, String> pubSub() {
    return client.connectPubSub(uri);
  }

  /** Runs {@code then} each time {@code connection} loses its link to Redis. */
  public void onDisconnect(StatefulConnection<?, ?> connection, Runnable then) {
    client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
            if (c == connection) {
              then.run();
            }
          }
        });
  }

  public boolean ping() {
    try {
      return "PONG".equals(commands().ping());
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    shared.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
