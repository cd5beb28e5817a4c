package dev.swell.operator.queue;

import dev.swell.operator.api.QueueSpec;
import dev.swell.operator.api.QueueType;
import java.util.ArrayList;
import java.util.List;

/**
 * Which queue a worker takes its work from, in whose layout.
 *
 * @param type the framework whose Redis keys hold it
 * @param names the queue (List: the list; Streams: the stream), then the other queues RQ, Celery
 *     and Sidekiq workers listen to
 * @param group the consumer group (Streams)
 * @param prefix the key prefix (BullMQ: default bull; Celery: global_keyprefix, default none;
 *     Sidekiq: its redis-namespace, default none)
 */
public record QueueRef(QueueType type, List<String> names, String group, String prefix) {

  public QueueRef {
    names = List.copyOf(names);
  }

  /** A plain list with Swell's processing lists, the sample app's queue. */
  public static QueueRef list(String key) {
    return new QueueRef(QueueType.List, List.of(key), null, null);
  }

  public static QueueRef of(QueueSpec q) {
    List<String> names = new ArrayList<>(List.of(q.key));
    if (q.queues != null) {
      q.queues.stream().filter(n -> !names.contains(n)).forEach(names::add);
    }
    return new QueueRef(q.type == null ? QueueType.List : q.type, names, q.group, q.prefix);
  }

  /** The queue's name (List: its list; Streams: its stream). */
  public String key() {
    return names.get(0);
  }
}
