package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.SecretKeySelector;

/** A Redis the service reaches but the operator does not run. */
public class ExternalRedis {

  @Pattern("^rediss?://[^\\s/]+(/[0-9]+)?$")
  @JsonPropertyDescription(
      "redis://host:port[/db] or rediss:// for TLS. Required with mode External.")
  public String url;

  @JsonPropertyDescription(
      "The Secret key holding the Redis password, in the service's namespace. The Secret must carry the label swell.dev/redis-password=true (its owner's consent), else RedisReady=False (SecretNotAllowed) and no pod gets it. A missing Secret sets RedisReady=False, unless optional is true (then no password is sent).")
  public SecretKeySelector passwordSecretRef;

  @JsonPropertyDescription("Connect with TLS even when the url says redis://.")
  public Boolean tls;
}
