package dev.swell.operator;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.scaling.ApiScaling;
import dev.swell.operator.scaling.ApiScalingSnapshot;
import dev.swell.operator.scaling.RequestTargets;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** An api request autoscaler that reports a fixed view and remembers what it was asked to track. */
public final class FixedApiScaling implements ApiScaling {

  public volatile ApiScalingSnapshot snapshot =
      new ApiScalingSnapshot(1, List.of(), null, null, null, false);
  public final Set<ResourceID> tracked = ConcurrentHashMap.newKeySet();
  public final Set<ResourceID> forgotten = ConcurrentHashMap.newKeySet();

  @Override
  public ApiScalingSnapshot track(ScalableService service) {
    RequestTargets.from(service); // refuses what the real autoscaler refuses
    tracked.add(ResourceID.fromResource(service));
    forgotten.remove(ResourceID.fromResource(service));
    return snapshot;
  }

  @Override
  public ApiScalingSnapshot snapshot(ResourceID service) {
    return tracked.contains(service) ? snapshot : null;
  }

  @Override
  public void forget(ResourceID service) {
    tracked.remove(service);
    forgotten.add(service);
  }
}
