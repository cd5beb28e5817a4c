package dev.swell.operator.queue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lettuce: one connection per Redis endpoint, shared by every ScalableService that uses it, and one
 * Lua script per read so that the queue, the processing lists and the counter are read in a single
 * round trip and at a single instant (an item moving from the queue to a processing list is never
 * counted twice or missed). Commands fail fast while disconnected; Lettuce reconnects.
 */
public final class RedisBacklogSource implements QueueBacklogSource {

  /**
   * KEYS: the queue, the live pods' processing lists, the counter, the consumers set; ARGV[1]: the
   * processing lists' prefix. Returns their lengths, the counter, and the stranded items: those in
   * the lists of consumers that are not live.
   */
  static final String SCRIPT =
      """
      local n = #KEYS
      local out = {}
      local live = {}
      for i = 1, n - 2 do
        out[i] = redis.call('LLEN', KEYS[i])
        live[KEYS[i]] = true
      end
      out[n - 1] = tonumber(redis.call('GET', KEYS[n - 1]) or '0') or 0
      local stranded = 0
      for _, pod in ipairs(redis.call('SMEMBERS', KEYS[n])) do
        local list = ARGV[1] .. pod
        if not live[list] then stranded = stranded + redis.call('LLEN', list) end
      end
      out[n] = stranded
      return out
      """;

  private final RedisClient client;
  private final Duration timeout;
  private final Map<RedisConnection, CompletableFuture<StatefulRedisConnection<String, String>>>
      connections = new ConcurrentHashMap<>();

  public RedisBacklogSource(Duration timeout) {
    this.timeout = timeout;
    this.client = RedisClient.create();
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
  }

  @Override
  public CompletionStage<Backlog> read(
      RedisConnection redis, String queueKey, Collection<String> workerPods) {
    long start = System.nanoTime();
    List<String> pods = List.copyOf(workerPods);
    String[] keys = new String[pods.size() + 3];
    keys[0] = queueKey;
    for (int i = 0; i < pods.size(); i++) {
      keys[i + 1] = QueueBacklogSource.processingList(queueKey, pods.get(i));
    }
    keys[keys.length - 2] = QueueBacklogSource.processedCounter(queueKey);
    keys[keys.length - 1] = QueueBacklogSource.consumers(queueKey);
    String prefix = QueueBacklogSource.processingList(queueKey, "");
    return connection(redis)
        .thenCompose(c -> c.async().<List<Long>>eval(SCRIPT, ScriptOutputType.MULTI, keys, prefix))
        .thenApply(
            values -> {
              Map<String, Long> byPod = new LinkedHashMap<>();
              long inFlight = 0;
              for (int i = 0; i < pods.size(); i++) {
                long n = values.get(i + 1);
                inFlight += n;
                if (n > 0) {
                  byPod.put(pods.get(i), n);
                }
              }
              return new Backlog(
                  values.get(0),
                  inFlight,
                  byPod,
                  values.get(values.size() - 2),
                  values.get(values.size() - 1),
                  Duration.ofNanos(System.nanoTime() - start));
            })
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                dropIfBroken(redis);
              }
            });
  }

  /** Connections made, for tests and metrics. */
  public int connectionCount() {
    return connections.size();
  }

  private CompletableFuture<StatefulRedisConnection<String, String>> connection(
      RedisConnection redis) {
    return connections.computeIfAbsent(
        redis,
        r -> {
          RedisURI uri = RedisURI.create(r.url());
          if (r.password() != null) {
            uri.setCredentialsProvider(
                RedisCredentialsProvider.from(() -> RedisCredentials.just(null, r.password())));
          }
          uri.setTimeout(timeout);
          return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        });
  }

  /** A connection that never opened is forgotten so that the next read tries again. */
  private void dropIfBroken(RedisConnection redis) {
    CompletableFuture<StatefulRedisConnection<String, String>> f = connections.get(redis);
    if (f != null && f.isCompletedExceptionally()) {
      connections.remove(redis, f);
    }
  }

  @Override
  public void release(RedisConnection redis) {
    CompletableFuture<StatefulRedisConnection<String, String>> f = connections.remove(redis);
    if (f != null) {
      f.thenAccept(StatefulRedisConnection::closeAsync);
    }
  }

  @Override
  public void close() {
    new ArrayList<>(connections.keySet()).forEach(this::release);
    client.shutdown(Duration.ZERO, timeout);
  }
}
