package dev.swell.operator.queue;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** A queue in memory, for tests of what reads it; `down` makes every read fail like an outage. */
public final class InMemoryBacklogSource implements QueueBacklogSource {

  private final Map<String, Long> lengths = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> consumers = new ConcurrentHashMap<>();
  public volatile boolean down;

  public void set(String list, long length) {
    lengths.put(list, length);
  }

  /** A worker that has had a processing list of this queue (SADD to its consumers set). */
  public void register(String queueKey, String pod) {
    consumers.computeIfAbsent(queueKey, k -> ConcurrentHashMap.newKeySet()).add(pod);
  }

  @Override
  public CompletionStage<Backlog> read(
      RedisConnection redis, QueueRef queue, Collection<String> workerPods) {
    String queueKey = queue.key();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("Connection refused"));
    }
    Map<String, Long> byPod = new LinkedHashMap<>();
    long inFlight = 0;
    for (String pod : workerPods) {
      long n = lengths.getOrDefault(QueueBacklogSource.processingList(queueKey, pod), 0L);
      inFlight += n;
      if (n > 0) {
        byPod.put(pod, n);
      }
    }
    long stranded = 0;
    for (String pod : consumers.getOrDefault(queueKey, Set.of())) {
      if (!workerPods.contains(pod)) {
        stranded += lengths.getOrDefault(QueueBacklogSource.processingList(queueKey, pod), 0L);
      }
    }
    return CompletableFuture.completedFuture(
        new Backlog(
            lengths.getOrDefault(queueKey, 0L),
            inFlight,
            byPod,
            lengths.getOrDefault(QueueBacklogSource.processedCounter(queueKey), 0L),
            stranded,
            Duration.ZERO));
  }

  @Override
  public void release(RedisConnection redis) {}

  @Override
  public void close() {}
}
