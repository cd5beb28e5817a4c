package dev.swell.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The api side of the job queue: push a job, read its status. */
public final class Jobs {

  static final long STATUS_TTL_SECONDS = 86_400;
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
    var r = redis.commands();
    r.hset(keys.job(id), Map.of("status", "queued", "attempts", "0"));
    r.expire(keys.job(id), STATUS_TTL_SECONDS);
    r.lpush(keys.queue(), item.toString());
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
