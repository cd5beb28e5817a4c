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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lettuce: one connection per Redis endpoint, shared by every ScalableService that uses it, and one
 * Lua script per read ({@link QueueLayout}, per queue type) so that the backlog, the work in flight
 * and the counter are read in a single round trip and at a single instant (an item moving from the
 * queue to a worker is never counted twice or missed). Commands fail fast while disconnected;
 * Lettuce reconnects.
 */
public final class RedisBacklogSource implements QueueBacklogSource {

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
      RedisConnection redis, QueueRef queue, Collection<String> workerPods) {
    long start = System.nanoTime();
    List<String> pods = List.copyOf(workerPods);
    QueueLayout layout = QueueLayout.of(queue.type());
    String[] keys = layout.keys(queue, pods).toArray(String[]::new);
    String[] args = layout.args(queue, pods).toArray(String[]::new);
    return connection(redis)
        .thenCompose(
            c -> c.async().<List<Object>>eval(layout.script(), ScriptOutputType.MULTI, keys, args))
        .thenApply(
            values -> layout.parse(values, pods, Duration.ofNanos(System.nanoTime() - start)))
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
