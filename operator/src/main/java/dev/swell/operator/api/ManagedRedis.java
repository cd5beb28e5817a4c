package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * A Redis the operator runs for the service. That the memory limit leaves room beyond maxMemory is
 * checked by the operator (RedisResources): the API server's CEL cost budget has no room for
 * quantity parsing of unbounded strings.
 */
public class ManagedRedis {

  public static final String DEFAULT_IMAGE = "redis:7.4-alpine";
  public static final String DEFAULT_MAX_MEMORY = "256Mi";

  @Size(min = 1)
  @JsonPropertyDescription(
      "Redis image. Default: the operator's SWELL_REDIS_IMAGE, else redis:7.4-alpine.")
  public String image;

  @Pattern("^[0-9]+(Ki|Mi|Gi|k|M|G)?$")
  @Size(max = 32)
  @ValidationRule(
      value = "quantity(self).compareTo(quantity('1Mi')) >= 0",
      message = "spec.redis.managed.maxMemory must be at least 1Mi (0 would mean no limit at all)")
  @JsonPropertyDescription(
      "Memory Redis may use for data (--maxmemory), e.g. 256Mi. Past it Redis evicts only keys with"
          + " an expiry, soonest to expire first (volatile-ttl: cache entries, finished jobs'"
          + " status); queued, in-flight and dead jobs are never evicted: when they alone fill it,"
          + " Redis refuses new jobs (the sample api answers 503). Default: half the memory limit"
          + " when resources sets one, else 256Mi.")
  public String maxMemory;

  @JsonPropertyDescription(
      "Requests and limits of the Redis container; defaulted from maxMemory when absent (limit"
          + " twice maxMemory).")
  public ResourceRequirements resources;

  @JsonPropertyDescription(
      "A PersistentVolumeClaim for Redis' append-only file, so queued jobs survive the pod's"
          + " deletion, not only a container restart. Without it the file is on an emptyDir:"
          + " it survives a crash or an OOM kill of the container, not the pod's removal.")
  public RedisStorage storage;
}
