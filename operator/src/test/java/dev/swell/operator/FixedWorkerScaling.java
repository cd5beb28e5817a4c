package dev.swell.operator;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.queue.RedisConnection;
import dev.swell.operator.scaling.QueueTargets;
import dev.swell.operator.scaling.WorkerScaling;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A queue autoscaler that reports a fixed view and remembers what it was asked to track. */
public final class FixedWorkerScaling implements WorkerScaling {

  public volatile WorkerScalingSnapshot snapshot =
      new WorkerScalingSnapshot(0L, 0L, 1, null, null, false, false);
  public final Map<ResourceID, RedisConnection> tracked = new ConcurrentHashMap<>();
  public final Set<ResourceID> forgotten = ConcurrentHashMap.newKeySet();

  @Override
  public WorkerScalingSnapshot track(ScalableService service, RedisConnection redis) {
    QueueTargets.from(service.getSpec().worker); // refuses what the real autoscaler refuses
    tracked.put(ResourceID.fromResource(service), redis);
    forgotten.remove(ResourceID.fromResource(service));
    return snapshot;
  }

  @Override
  public WorkerScalingSnapshot snapshot(ResourceID service) {
    return tracked.containsKey(service) ? snapshot : null;
  }

  @Override
  public void forget(ResourceID service) {
    tracked.remove(service);
    forgotten.add(service);
  }
}
