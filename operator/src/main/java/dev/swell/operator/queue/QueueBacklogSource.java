package dev.swell.operator.queue;

import java.util.Collection;
import java.util.concurrent.CompletionStage;

/**
 * Reads how much work a worker queue has, in its framework's layout ({@link QueueRef#type()}). The
 * List layout is the sample app's contract: the queue list {@code <key>}, one processing list per
 * worker {@code <key>:processing:<pod>}, the set of workers that have had one {@code
 * <key>:consumers}, and the processed counter {@code <key>:processed}. Items held by a worker that
 * is gone (not among the pods given) are stranded: they will go back to the queue, so they count as
 * waiting. (The workers judge each other by {@code <key>:heartbeats} instead, timestamps that no
 * eviction drops, and return such items; neither side reads a key that expires.) A failed read
 * completes exceptionally within a bound of the source's own; it never hangs.
 */
public interface QueueBacklogSource extends AutoCloseable {

  CompletionStage<Backlog> read(
      RedisConnection redis, QueueRef queue, Collection<String> workerPods);

  /** Lets go of the connection to an endpoint no ScalableService uses any more. */
  void release(RedisConnection redis);

  @Override
  void close();

  static String processingList(String queueKey, String pod) {
    return queueKey + ":processing:" + pod;
  }

  static String processedCounter(String queueKey) {
    return queueKey + ":processed";
  }

  static String consumers(String queueKey) {
    return queueKey + ":consumers";
  }
}
