package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The worker's queue and the backlog each replica should carry. */
@ValidationRule(
    value = "self.type != 'Streams' || has(self.group)",
    message = "spec.worker.queue.group is required when spec.worker.queue.type is Streams",
    fieldPath = ".group")
@ValidationRule(
    value = "!has(self.group) || self.type == 'Streams'",
    message = "spec.worker.queue.group is only for spec.worker.queue.type Streams",
    fieldPath = ".group")
@ValidationRule(
    value =
        "!has(self.queues) || self.type == 'RQ' || self.type == 'Celery' || self.type =="
            + " 'Sidekiq'",
    message = "spec.worker.queue.queues is only for spec.worker.queue.type RQ, Celery and Sidekiq",
    fieldPath = ".queues")
@ValidationRule(
    value =
        "!has(self.prefix) || self.type == 'BullMQ' || self.type == 'Celery' || self.type =="
            + " 'Sidekiq'",
    message =
        "spec.worker.queue.prefix is only for spec.worker.queue.type BullMQ, Celery and Sidekiq",
    fieldPath = ".prefix")
@ValidationRule(
    value = "!has(self.drainTime) || self.type == 'List' || self.type == 'Streams'",
    message =
        "spec.worker.queue.drainTime needs a count of finished jobs, which only types List and"
            + " Streams keep in Redis",
    fieldPath = ".drainTime")
@ValidationRule(
    value = "!has(self.drainTime) || duration(self.drainTime) >= duration('1s')",
    message = "spec.worker.queue.drainTime must be at least 1s",
    fieldPath = ".drainTime")
public class QueueSpec {

  @Default("List")
  @JsonPropertyDescription(
      "Whose queue it is, and so which Redis keys hold its backlog and its work in flight. List:"
          + " the list <key> and Swell's processing lists <key>:processing:<pod>. Streams: the"
          + " stream <key> read by consumer group <group> (backlog: the group's lag; in flight: its"
          + " pending entries, per consumer = pod name). RQ: rq:queue:<name> and the started-job"
          + " registry rq:wip:<name> of key and queues (busy pods: workers whose hostname is the"
          + " pod's). Celery: the broker lists <key> and queues with their priority lists, in"
          + " flight the unacked hash (needs task_acks_late; no busy pods). BullMQ:"
          + " <prefix>:<key>:wait, prioritized and active (busy pods: a job's processedBy, the"
          + " Worker's name option set to the pod name). Sidekiq: queue:<name> of key and queues,"
          + " in flight the jobs of those queues in the live processes' work hashes (busy pods:"
          + " the process's hostname, in a pod its name). Default List.")
  public QueueType type = QueueType.List;

  @Required
  @Pattern(Patterns.QUEUE_KEY)
  @ValidationRule(
      value = "!['product:', 'ratelimit:', 'catalogue:'].exists(p, self.startsWith(p))",
      message =
          "spec.worker.queue.key must not start with product:, ratelimit: or catalogue: (the"
              + " api's cache, rate limit and catalogue keys in the same Redis)")
  @JsonPropertyDescription(
      "The queue: the Redis list (List, QUEUE_KEY), the stream (Streams), or the framework's queue"
          + " name (RQ, Celery, BullMQ, Sidekiq).")
  public String key;

  @Pattern(Patterns.QUEUE_KEY)
  @JsonPropertyDescription("Streams only, required: the consumer group the workers read with.")
  public String group;

  @Size(max = 16)
  @ValidationRule(
      value = "self.all(q, size(q) >= 1 && size(q) <= 200)",
      message = "spec.worker.queue.queues: each name is 1 to 200 characters")
  @JsonPropertyDescription(
      "RQ, Celery and Sidekiq only: more queues the workers listen to, besides key (at most"
          + " 16); the backlog is their sum.")
  public List<String> queues;

  @Pattern(Patterns.QUEUE_KEY)
  @JsonPropertyDescription(
      "BullMQ: the key prefix (default bull). Celery: the transport's global_keyprefix (default"
          + " none). Sidekiq: the redis-namespace its keys are under (default none).")
  public String prefix;

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
