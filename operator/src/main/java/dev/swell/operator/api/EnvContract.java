package dev.swell.operator.api;

import java.util.Set;

/**
 * The environment Swell gives the app containers (docs/api.md, "The app containers get"). The names
 * are Swell's: a container's {@code env} in the spec may not set them (the CRD refuses it), so a
 * worker can never claim another pod's name or queue.
 */
public final class EnvContract {

  private EnvContract() {}

  public static final String COMPONENT = "SWELL_COMPONENT";
  public static final String PORT = "PORT";
  public static final String POD_NAME = "POD_NAME";
  public static final String REDIS_URL = "REDIS_URL";
  public static final String REDIS_PASSWORD = "REDIS_PASSWORD";
  public static final String QUEUE_KEY = "QUEUE_KEY";
  public static final String CACHE_TTL_SECONDS = "CACHE_TTL_SECONDS";
  public static final String RATE_LIMIT_RPS = "RATE_LIMIT_RPS";
  public static final String RATE_LIMIT_BURST = "RATE_LIMIT_BURST";

  /** The worker's terminationGracePeriodSeconds: how long it may drain after SIGTERM. */
  public static final String GRACE_SECONDS = "GRACE_SECONDS";

  /**
   * The api's trusted proxies, from {@code spec.api.ingress.trustedProxies}; only when that is set
   * (else {@code env} may set it), so it is not among {@link #NAMES}.
   */
  public static final String TRUSTED_PROXIES = "TRUSTED_PROXIES";

  /** Every name Swell always sets. */
  public static final Set<String> NAMES =
      Set.of(
          COMPONENT,
          PORT,
          POD_NAME,
          REDIS_URL,
          REDIS_PASSWORD,
          QUEUE_KEY,
          CACHE_TTL_SECONDS,
          RATE_LIMIT_RPS,
          RATE_LIMIT_BURST,
          GRACE_SECONDS);

  /** The names as a CEL list, for the schema's rule. */
  static final String CEL_NAMES =
      "['"
          + COMPONENT
          + "', '"
          + PORT
          + "', '"
          + POD_NAME
          + "', '"
          + REDIS_URL
          + "', '"
          + REDIS_PASSWORD
          + "', '"
          + QUEUE_KEY
          + "', '"
          + CACHE_TTL_SECONDS
          + "', '"
          + RATE_LIMIT_RPS
          + "', '"
          + RATE_LIMIT_BURST
          + "', '"
          + GRACE_SECONDS
          + "']";

  static final String RULE = "self.all(e, !(e.name in " + CEL_NAMES + "))";
  static final String MESSAGE =
      "env must not set SWELL_COMPONENT, PORT, POD_NAME, REDIS_URL, REDIS_PASSWORD, QUEUE_KEY,"
          + " CACHE_TTL_SECONDS, RATE_LIMIT_RPS, RATE_LIMIT_BURST or GRACE_SECONDS: Swell sets them"
          + " from the spec";
}
