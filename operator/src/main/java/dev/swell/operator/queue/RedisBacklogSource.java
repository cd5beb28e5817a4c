package dev.swell.operator.queue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.netty.util.Timeout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
  private final Duration patience;
  private final Map<RedisConnection, Endpoint> connections = new ConcurrentHashMap<>();

  /** A connection, and when its endpoint last answered (System.nanoTime()). */
  private static final class Endpoint {
    final CompletableFuture<StatefulRedisConnection<String, String>> connection;
    volatile long answered = System.nanoTime();

    Endpoint(CompletableFuture<StatefulRedisConnection<String, String>> connection) {
      this.connection = connection;
    }
  }

  /**
   * @param timeout how long an endpoint that answers nothing is waited for
   * @param patience how long a read is waited for while its endpoint keeps answering others
   */
  public RedisBacklogSource(Duration timeout, Duration patience) {
    if (patience.compareTo(timeout) < 0) {
      throw new IllegalArgumentException("patience " + patience + " is below timeout " + timeout);
    }
    this.timeout = timeout;
    this.patience = patience;
    this.client = RedisClient.create();
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .timeoutOptions(TimeoutOptions.enabled(patience))
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
    Endpoint endpoint = endpoint(redis);
    CompletableFuture<List<Object>> eval =
        endpoint.connection.thenCompose(
            c ->
                evaluate(c, layout, keys, args)
                    .whenComplete((values, error) -> answered(endpoint, error)));
    // failed by the wait below without touching the command, which Lettuce ends at patience
    CompletableFuture<List<Object>> bounded = eval.copy();
    waitFor(endpoint, bounded, start);
    return bounded
        .thenApply(
            values -> layout.parse(values, pods, Duration.ofNanos(System.nanoTime() - start)))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                dropIfBroken(redis, endpoint);
              }
            });
  }

  /**
   * Runs the layout's script by its digest (EVALSHA: the script's text is sent once per Redis, not
   * with each read); a Redis that does not know it (restarted, flushed, failed over) gets the text
   * once (EVAL, which also loads it).
   */
  private static CompletableFuture<List<Object>> evaluate(
      StatefulRedisConnection<String, String> c, QueueLayout layout, String[] keys, String[] args) {
    return c.async()
        .<List<Object>>evalsha(layout.digest(), ScriptOutputType.MULTI, keys, args)
        .toCompletableFuture()
        .exceptionallyCompose(
            error ->
                unwrap(error) instanceof RedisNoScriptException
                    ? c.async()
                        .<List<Object>>eval(layout.script(), ScriptOutputType.MULTI, keys, args)
                        .toCompletableFuture()
                    : CompletableFuture.failedFuture(error));
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  /** Any reply, an error reply too, says the endpoint is there; a timeout does not. */
  private static void answered(Endpoint endpoint, Throwable error) {
    if (!(error instanceof RedisCommandTimeoutException)) {
      endpoint.answered = System.nanoTime();
    }
  }

  /**
   * Fails {@code bounded} once {@code timeout} has passed with no answer from the endpoint, or once
   * the read has waited {@code patience}; checks again while the endpoint answers.
   */
  private void waitFor(Endpoint endpoint, CompletableFuture<List<Object>> bounded, long sent) {
    Timeout check =
        client
            .getResources()
            .timer()
            .newTimeout(
                t -> {
                  if (bounded.isDone()) {
                    return;
                  }
                  long now = System.nanoTime();
                  boolean answering = now - endpoint.answered < timeout.toNanos();
                  if (answering && now - sent < patience.toNanos()) {
                    waitFor(endpoint, bounded, sent);
                    return;
                  }
                  String why =
                      answering
                          ? "Redis did not answer this read in " + patience.toMillis() + " ms"
                          : "Redis answered nothing in " + timeout.toMillis() + " ms";
                  // Lettuce's own timeout (patience) ends the command itself
                  bounded.completeExceptionally(new RedisCommandTimeoutException(why));
                },
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
    // a read answered in time leaves no check behind (thousands of reads a second)
    bounded.whenComplete((values, error) -> check.cancel());
  }

  /** Connections made, for tests and metrics. */
  public int connectionCount() {
    return connections.size();
  }

  private Endpoint endpoint(RedisConnection redis) {
    return connections.computeIfAbsent(
        redis,
        r -> {
          RedisURI uri = RedisURI.create(r.url());
          if (r.password() != null) {
            uri.setCredentialsProvider(
                RedisCredentialsProvider.from(() -> RedisCredentials.just(null, r.password())));
          }
          uri.setTimeout(patience);
          return new Endpoint(client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture());
        });
  }

  /** A connection that never opened is forgotten so that the next read tries again. */
  private void dropIfBroken(RedisConnection redis, Endpoint endpoint) {
    if (endpoint.connection.isCompletedExceptionally()) {
      connections.remove(redis, endpoint);
    }
  }

  @Override
  public void release(RedisConnection redis) {
    Endpoint endpoint = connections.remove(redis);
    if (endpoint != null) {
      endpoint.connection.thenAccept(StatefulRedisConnection::closeAsync);
    }
  }

  @Override
  public void close() {
    new ArrayList<>(connections.keySet()).forEach(this::release);
    client.shutdown(Duration.ZERO, patience);
  }
}
