package dev.swell.operator.reconciler;

import dev.swell.operator.api.RedisSpec;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.AppEnvironment;
import dev.swell.operator.desired.Components;
import dev.swell.operator.desired.RedisResources;
import dev.swell.operator.queue.RedisConnection;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Finds the Redis a ScalableService uses and its password: the managed Secret, or the external one
 * the spec refers to. A missing external Secret is a problem to report, not an error.
 */
final class RedisAccess {

  /** Either a connection, or why there is none (problem != null). */
  record Outcome(RedisConnection connection, String problem) {}

  private RedisAccess() {}

  static Outcome resolve(
      ScalableService s, Optional<Secret> managedSecret, KubernetesClient client) {
    if (!Components.usesRedis(s)) {
      return new Outcome(null, null);
    }
    RedisSpec redis = s.getSpec().redis;
    String url = AppEnvironment.redisUrl(s);
    if (Components.managedRedis(s)) {
      return new Outcome(
          new RedisConnection(url, managedSecret.map(RedisResources::password).orElse(null)), null);
    }
    SecretKeySelector ref = redis.external.passwordSecretRef;
    if (ref == null) {
      return new Outcome(new RedisConnection(url, null), null);
    }
    String ns = s.getMetadata().getNamespace();
    Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
    String encoded =
        secret == null || secret.getData() == null ? null : secret.getData().get(ref.getKey());
    if (encoded == null && Boolean.TRUE.equals(ref.getOptional())) {
      // optional: no password, as the pods see it
      return new Outcome(new RedisConnection(url, null), null);
    }
    String named = "Secret " + ns + "/" + ref.getName();
    if (secret == null) {
      return new Outcome(null, named + " (spec.redis.external.passwordSecretRef) not found");
    }
    if (encoded == null) {
      return new Outcome(
          null,
          named
              + " has no key \""
              + ref.getKey()
              + "\" (spec.redis.external.passwordSecretRef.key)");
    }
    return new Outcome(
        new RedisConnection(
            url, new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)),
        null);
  }
}
