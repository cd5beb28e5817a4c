package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.SecretKeySelector;

/** A Redis the service reaches but the operator does not run. */
@ValidationRule(
    value = "!has(self.url) || !has(self.tls) || self.tls || !self.url.startsWith('rediss://')",
    message = "spec.redis.external.tls is false but the url is rediss:// (TLS): drop one",
    fieldPath = ".tls")
public class ExternalRedis {

  @Pattern("^rediss?://[^\\s/]+(/[0-9]+)?$")
  @Size(max = 512)
  @ValidationRule(
      value = "!self.contains('@')",
      message =
          "spec.redis.external.url must not hold credentials (user:password@): every pod's"
              + " environment would show them; use passwordSecretRef")
  @ValidationRule(
      value = "!isURL(self) || url(self).getPort() == '' || int(url(self).getPort()) <= 65535",
      message = "spec.redis.external.url has a port above 65535")
  @JsonPropertyDescription(
      "redis://host:port[/db] or rediss:// for TLS. Required with mode External.")
  public String url;

  @ValidationRule(
      value = "has(self.name) && self.name != ''",
      message = "spec.redis.external.passwordSecretRef.name is required: the Secret's name",
      fieldPath = ".name")
  @ValidationRule(
      value = "has(self.key) && self.key != ''",
      message = "spec.redis.external.passwordSecretRef.key is required: the Secret's key",
      fieldPath = ".key")
  @JsonPropertyDescription(
      "The Secret key holding the Redis password, in the service's namespace. The Secret must carry the label swell.dev/redis-password=true (its owner's consent), else RedisReady=False (SecretNotAllowed) and no pod gets it. A missing Secret sets RedisReady=False, unless optional is true (then no password is sent).")
  public SecretKeySelector passwordSecretRef;

  @JsonPropertyDescription("Connect with TLS even when the url says redis://.")
  public Boolean tls;
}
