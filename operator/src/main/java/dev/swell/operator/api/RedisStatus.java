package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The Redis the service uses. */
public class RedisStatus {
  @JsonPropertyDescription("host:port the app connects to.")
  public String endpoint;

  @JsonPropertyDescription(
      "Whether the Redis is available (managed: its Deployment is ready; external: its Secret exists).")
  public Boolean ready;
}
