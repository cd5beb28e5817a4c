package dev.swell.operator.desired;

import dev.swell.operator.api.ApiSpec;
import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.EnvContract;
import dev.swell.operator.api.ExternalRedis;
import dev.swell.operator.api.RedisSpec;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The environment contract of the app containers (see the API design, "The app containers get").
 */
public final class AppEnvironment {

  static final Duration DEFAULT_CACHE_TTL = Durations.parse(Defaults.CACHE_TTL, null);

  private AppEnvironment() {}

  /** The label a Secret needs before Swell uses it for {@code passwordSecretRef}. */
  public static final String ALLOW_LABEL = "swell.dev/redis-password";

  /** Whether a Secret's owner allows Swell to use it as the Redis password. */
  public static boolean allowsSwell(Secret secret) {
    return secret != null
        && secret.getMetadata().getLabels() != null
        && "true".equals(secret.getMetadata().getLabels().get(ALLOW_LABEL));
  }

  /**
   * @param passwordSecretAllowed whether the external password Secret allows Swell: if not, no pod
   *     gets it (a user who may not read Secrets must not have Swell hand one to a host)
   */
  public static List<EnvVar> of(ScalableService s, Component c, boolean passwordSecretAllowed) {
    List<EnvVar> env = new ArrayList<>();
    env.add(plain(EnvContract.COMPONENT, c.label()));
    env.add(plain(EnvContract.PORT, String.valueOf(port(s))));
    env.add(
        new EnvVarBuilder()
            .withName(EnvContract.POD_NAME)
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .build());
    redis(s, env, passwordSecretAllowed);
    if (s.getSpec().worker != null && s.getSpec().worker.queue != null) {
      env.add(plain(EnvContract.QUEUE_KEY, s.getSpec().worker.queue.key));
    }
    if (c == Component.WORKER && s.getSpec().worker.terminationGracePeriodSeconds != null) {
      // the worker drains its batch within the grace the kubelet gives it, not a guess of its own
      env.add(
          plain(
              EnvContract.GRACE_SECONDS,
              String.valueOf(s.getSpec().worker.terminationGracePeriodSeconds)));
    }
    ApiSpec api = s.getSpec().api;
    if (c == Component.API && api != null) {
      Duration ttl = Durations.parse(api.cache == null ? null : api.cache.ttl, DEFAULT_CACHE_TTL);
      env.add(plain(EnvContract.CACHE_TTL_SECONDS, String.valueOf(Math.max(1, ttl.toSeconds()))));
      int rps =
          api.rateLimit == null || api.rateLimit.requestsPerSecond == null
              ? Defaults.RATE_LIMIT_RPS
              : api.rateLimit.requestsPerSecond;
      int burst =
          api.rateLimit == null || api.rateLimit.burst == null ? 2 * rps : api.rateLimit.burst;
      env.add(plain(EnvContract.RATE_LIMIT_RPS, String.valueOf(rps)));
      env.add(plain(EnvContract.RATE_LIMIT_BURST, String.valueOf(burst)));
      if (api.ingress != null && api.ingress.trustedProxies != null) {
        // behind the Ingress, the client is the one its controller names, not the controller
        env.add(plain(EnvContract.TRUSTED_PROXIES, String.join(",", api.ingress.trustedProxies)));
      }
    }
    List<EnvVar> extra =
        c == Component.API
            ? (api == null ? null : api.env)
            : s.getSpec().worker == null ? null : s.getSpec().worker.env;
    if (extra != null) {
      // the CRD refuses the contract's names in env; an object stored before that rule still
      // gets ours only (a duplicate name would also break the server-side apply)
      Set<String> ours = new HashSet<>();
      env.forEach(e -> ours.add(e.getName()));
      extra.stream().filter(e -> !ours.contains(e.getName())).forEach(env::add);
    }
    return env;
  }

  /** The port the app listens on (api.port; the worker serves /metrics and /healthz on it too). */
  public static int port(ScalableService s) {
    return s.getSpec().api != null && s.getSpec().api.port != null
        ? s.getSpec().api.port
        : Defaults.PORT;
  }

  /** The first required field of a Secret reference that is missing or empty, else null. */
  public static String missingField(SecretKeySelector ref) {
    if (ref.getName() == null || ref.getName().isBlank()) {
      return "name";
    }
    if (ref.getKey() == null || ref.getKey().isEmpty()) {
      return "key";
    }
    return null;
  }

  /** The URL the app (and the operator) connect to, or null without Redis. */
  public static String redisUrl(ScalableService s) {
    if (!Components.usesRedis(s)) {
      return null;
    }
    if (!Components.managedRedis(s)) {
      ExternalRedis ext = s.getSpec().redis.external;
      boolean tls = Boolean.TRUE.equals(ext.tls);
      return tls && ext.url.startsWith("redis://")
          ? "rediss://" + ext.url.substring("redis://".length())
          : ext.url;
    }
    return "redis://" + ChildNames.redisEndpoint(s) + "/0";
  }

  private static void redis(ScalableService s, List<EnvVar> env, boolean passwordSecretAllowed) {
    String url = redisUrl(s);
    if (url == null) {
      return;
    }
    env.add(plain(EnvContract.REDIS_URL, url));
    RedisSpec redis = s.getSpec().redis;
    String secret = null;
    String key = null;
    Boolean optional = null;
    if (Components.managedRedis(s)) {
      secret = ChildNames.redisSecret(s);
      key = RedisResources.PASSWORD_KEY;
    } else if (redis.external.passwordSecretRef != null && passwordSecretAllowed) {
      secret = redis.external.passwordSecretRef.getName();
      key = redis.external.passwordSecretRef.getKey();
      optional = redis.external.passwordSecretRef.getOptional();
    }
    if (secret != null) {
      env.add(
          new EnvVarBuilder()
              .withName(EnvContract.REDIS_PASSWORD)
              .withNewValueFrom()
              .withNewSecretKeyRef()
              .withName(secret)
              .withKey(key)
              .withOptional(optional)
              .endSecretKeyRef()
              .endValueFrom()
              .build());
    }
  }

  private static EnvVar plain(String name, String value) {
    return new EnvVar(name, value, null);
  }
}
