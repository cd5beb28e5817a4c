package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The worker's queue and the backlog each replica should carry. */
@ValidationRule(
    value = "!has(self.drainTime) || duration(self.drainTime) >= duration('1s')",
    message = "spec.worker.queue.drainTime must be at least 1s",
    fieldPath = ".drainTime")
public class QueueSpec {

  @Required
  @Pattern(Patterns.QUEUE_KEY)
  @JsonPropertyDescription("Redis list the api pushes to and the worker pops from (QUEUE_KEY).")
  public String key;

  @Min(1)
  @Default("" + Defaults.TARGET_BACKLOG_PER_REPLICA)
  @JsonPropertyDescription(
      "Backlog per replica: desired = ceil(backlog / target), as the HPA's AverageValue. Must be > 0. Default 20.")
  public Long targetBacklogPerReplica = Defaults.TARGET_BACKLOG_PER_REPLICA;

  @Min(0)
  @Default("" + Defaults.ACTIVATION_BACKLOG)
  @JsonPropertyDescription(
      "From 0 replicas, activate only when the backlog is above this. Default 0.")
  public Long activationBacklog = Defaults.ACTIVATION_BACKLOG;

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "Optional second target: enough replicas to drain the backlog within this time at the measured throughput, e.g. 60s.")
  public String drainTime;
}
