package dev.swell.operator.reconciler;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.sharding.Ownership;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.Set;

/**
 * Asks JOSDK to reconcile every ScalableService of a shard this replica has just taken: nothing
 * else would (their children did not change), and their queue loops must start here.
 */
public final class ShardEvents extends AbstractEventSource<Void, ScalableService> {

  private final int count;
  private volatile IndexerResourceCache<ScalableService> primaries;

  public ShardEvents(int count) {
    super(Void.class, "shards");
    this.count = count;
  }

  void bind(IndexerResourceCache<ScalableService> primaries) {
    this.primaries = primaries;
  }

  @Override
  public Set<Void> getSecondaryResources(ScalableService primary) {
    return Set.of();
  }

  /** Reconciles the services of the shard (those JOSDK knows; the rest come with their events). */
  public void reconcile(int shard) {
    IndexerResourceCache<ScalableService> cache = primaries;
    if (cache == null || !isRunning()) {
      return; // not started yet: JOSDK reconciles every service when it starts
    }
    cache
        .list()
        .filter(
            s ->
                Ownership.shardOf(s.getMetadata().getNamespace(), s.getMetadata().getName(), count)
                    == shard)
        .forEach(s -> getEventHandler().handleEvent(new Event(ResourceID.fromResource(s))));
  }
}
