package dev.swell.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.ScriptOutputType;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The api side of the job queue: push a job, read its status. A job's status hash has no expiry
 * while the job is queued or in hand, so a Redis that evicts only keys with an expiry (the managed
 * Redis: volatile-ttl) never drops it; it expires {@link #STATUS_TTL_SECONDS} after the job ends.
 */
public final class Jobs {

  /** How long the status of a finished (done or failed) job is kept. */
  public static final long STATUS_TTL_SECONDS = 86_400;

  /** The status hash and the queue item in one step: a full Redis refuses both or neither. */
  static final String PUSH =
      """
      redis.call('HSET', KEYS[1], 'status', 'queued', 'attempts', '0')
      redis.call('LPUSH', KEYS[2], ARGV[1])
      return 1
      """;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Redis redis;
  private final Keys keys;

  public Jobs(Redis redis, Keys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Queues a validated job and returns its id. */
  public String push(JsonNode job) {
    String id = UUID.randomUUID().toString();
    ObjectNode item = JSON.createObjectNode();
    item.put("id", id);
    item.set("payload", job.get("payload"));
    if (job.has("workMillis")) {
      item.put("workMillis", job.get("workMillis").asInt());
    }
    if (job.path("fail").asBoolean(false)) {
      item.put("fail", true);
    }
    redis
        .commands()
        .eval(
            PUSH,
            ScriptOutputType.INTEGER,
            new String[] {keys.job(id), keys.queue()},
            item.toString());
    return id;
  }

  public Optional<Map<String, String>> status(String id) {
    Map<String, String> fields = redis.commands().hgetall(keys.job(id));
    return fields == null || fields.isEmpty() ? Optional.empty() : Optional.of(fields);
  }

  /** Why a job body is not acceptable, or null when it is. */
  public static String problem(JsonNode job) {
    if (job == null || !job.isObject()) {
      return "body must be a JSON object";
    }
    if (!job.has("payload")) {
      return "field \"payload\" is required";
    }
    JsonNode work = job.get("workMillis");
    if (work != null && (!work.isInt() || work.asInt() < 0 || work.asInt() > 60_000)) {
      return "field \"workMillis\" must be a whole number from 0 to 60000";
    }
    return null;
  }
}
