package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/** A Redis the operator runs for the service. */
public class ManagedRedis {

  public static final String DEFAULT_IMAGE = "redis:7.4-alpine";
  public static final String DEFAULT_MAX_MEMORY = "256Mi";

  @Size(min = 1)
  @JsonPropertyDescription("Redis image. Default redis:7.4-alpine.")
  public String image;

  @Pattern("^[0-9]+(Ki|Mi|Gi|K|M|G)?$")
  @JsonPropertyDescription(
      "Memory Redis may use for data (--maxmemory, evicting with allkeys-lru), e.g. 256Mi. Default 256Mi.")
  public String maxMemory;

  @JsonPropertyDescription(
      "Requests and limits of the Redis container; defaulted from maxMemory when absent.")
  public ResourceRequirements resources;
}
