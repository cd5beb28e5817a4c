package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** Which Redis the service uses, and how the operator runs or reaches it. */
@ValidationRule(
    value = "self.mode != 'Managed' || !has(self.external)",
    message = "spec.redis.external must not be set when spec.redis.mode is Managed",
    fieldPath = ".external")
@ValidationRule(
    value = "self.mode != 'External' || (has(self.external) && has(self.external.url))",
    message = "spec.redis.external.url is required when spec.redis.mode is External",
    fieldPath = ".external")
@ValidationRule(
    value = "self.mode == 'Managed' || !has(self.managed)",
    message = "spec.redis.managed is only allowed when spec.redis.mode is Managed",
    fieldPath = ".managed")
@ValidationRule(
    value = "self.mode != 'None' || !has(self.external)",
    message = "spec.redis.external is only allowed when spec.redis.mode is External",
    fieldPath = ".external")
public class RedisSpec {

  public enum Mode {
    Managed,
    External,
    None
  }

  @Default("Managed")
  @JsonPropertyDescription(
      "Managed: the operator runs Redis (Deployment, Service, password Secret, NetworkPolicy). External: use redis.external. None: no Redis (then no worker).")
  public Mode mode = Mode.Managed;

  @JsonPropertyDescription("Settings of the managed Redis; only with mode Managed.")
  public ManagedRedis managed;

  @JsonPropertyDescription("Where the external Redis is; only with mode External.")
  public ExternalRedis external;
}
