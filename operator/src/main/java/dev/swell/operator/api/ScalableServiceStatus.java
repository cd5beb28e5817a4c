package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did, written only by the operator. */
public class ScalableServiceStatus {

  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Ready, RedisReady, ApiAvailable, WorkerAvailable, ScalingActive, ApiScalingActive, PlacementFeasible, Fallback, Paused.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "Replica counts of the api; when Swell scales it, its metrics and last decision.")
  public ApiStatus api;

  @JsonPropertyDescription("Replica counts, backlog and the last scaling decision of the worker.")
  public WorkerStatus worker;

  @JsonPropertyDescription("Where the Redis is and whether it is ready.")
  public RedisStatus redis;
}
