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
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the Redis a ScalableService uses and its password: the managed Secret, or the external one
 * the spec refers to. What keeps the external one from being used is a problem to report, not an
 * error: a missing Secret, a Secret whose owner did not label it for Swell (so that a user who may
 * create a ScalableService but not read Secrets cannot have Swell read one for them and send it to
 * a host of their choosing), or a host outside the operator's ALLOWED_REDIS_HOSTS.
 */
public final class RedisAccess {

  /** Either a connection, or why there is none (problem and its condition reason). */
  record Outcome(RedisConnection connection, String problem, String reason) {
    static Outcome ok(RedisConnection c) {
      return new Outcome(c, null, null);
    }

    static Outcome refused(String reason, String problem) {
      return new Outcome(null, problem, reason);
    }
  }

  private RedisAccess() {}

  /** Whether the host of a Redis URL is one of the patterns (host, or *.suffix); empty: any. */
  static boolean hostAllowed(String url, Set<String> patterns) {
    if (patterns.isEmpty()) {
      return true;
    }
    String host = StatusFactory.endpointOf(url);
    int colon = host.lastIndexOf(':');
    host = (colon > 0 ? host.substring(0, colon) : host).toLowerCase(Locale.ROOT);
    for (String p : patterns) {
      String pattern = p.toLowerCase(Locale.ROOT);
      if (pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern)) {
        return true;
      }
    }
    return false;
  }

  static Outcome resolve(
      ScalableService s,
      Optional<Secret> managedSecret,
      KubernetesClient client,
      Set<String> allowedHosts) {
    if (!Components.usesRedis(s)) {
      return Outcome.ok(null);
    }
    RedisSpec redis = s.getSpec().redis;
    String url = AppEnvironment.redisUrl(s);
    if (Components.managedRedis(s)) {
      return Outcome.ok(
          new RedisConnection(url, managedSecret.map(RedisResources::password).orElse(null)));
    }
    if (!hostAllowed(url, allowedHosts)) {
      return Outcome.refused(
          "RedisHostNotAllowed",
          "Redis host "
              + StatusFactory.endpointOf(url)
              + " (spec.redis.external.url) is not in the operator's ALLOWED_REDIS_HOSTS "
              + allowedHosts);
    }
    SecretKeySelector ref = redis.external.passwordSecretRef;
    if (ref == null) {
      return Outcome.ok(new RedisConnection(url, null));
    }
    String incomplete = AppEnvironment.missingField(ref);
    if (incomplete != null) {
      // the schema refuses it now; an object stored before that still gets a condition, not a throw
      return Outcome.refused(
          "InvalidSpec",
          "spec.redis.external.passwordSecretRef."
              + incomplete
              + " is required: no password is sent");
    }
    String ns = s.getMetadata().getNamespace();
    Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
    String named = "Secret " + ns + "/" + ref.getName();
    if (secret != null && !AppEnvironment.allowsSwell(secret)) {
      return Outcome.refused(
          "SecretNotAllowed",
          named
              + " (spec.redis.external.passwordSecretRef) is not labelled "
              + AppEnvironment.ALLOW_LABEL
              + "=true: whoever may write it must allow Swell to read it");
    }
    String encoded =
        secret == null || secret.getData() == null ? null : secret.getData().get(ref.getKey());
    if (encoded == null && Boolean.TRUE.equals(ref.getOptional())) {
      // optional: no password, as the pods see it
      return Outcome.ok(new RedisConnection(url, null));
    }
    if (secret == null) {
      return Outcome.refused(
          "SecretNotFound", named + " (spec.redis.external.passwordSecretRef) not found");
    }
    if (encoded == null) {
      return Outcome.refused(
          "SecretNotFound",
          named
              + " has no key \""
              + ref.getKey()
              + "\" (spec.redis.external.passwordSecretRef.key)");
    }
    return Outcome.ok(
        new RedisConnection(
            url, new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)));
  }
}
