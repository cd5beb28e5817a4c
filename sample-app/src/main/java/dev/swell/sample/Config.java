package dev.swell.sample;

import java.time.Duration;
import java.util.Map;

/**
 * The app's settings, from the environment contract the operator fills in. A bad value stops the
 * app at start with a message that names the variable.
 */
public record Config(
    String component,
    int port,
    String redisUrl,
    String redisPassword,
    String queueKey,
    int cacheTtlSeconds,
    int rateLimitRps,
    int rateLimitBurst,
    String podName,
    int sourceDelayMillis,
    int sourceConcurrency,
    int batchSize,
    int batchWaitMillis,
    int maxAttempts,
    int ioMillis,
    int cpuMillis,
    String apiKeys,
    String trustedProxies,
    int graceSeconds) {

  /**
   * How long the worker drains after SIGTERM: its grace period less a margin for the JVM to exit
   * before the kubelet's SIGKILL (GRACE_SECONDS, the pod's terminationGracePeriodSeconds).
   */
  public Duration drain() {
    return Duration.ofSeconds(Math.max(1, graceSeconds - Math.min(10, graceSeconds / 6)));
  }

  /** A setting that cannot be used, named. */
  public static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message);
    }
  }

  public static Config from(Map<String, String> env) {
    String component = env.getOrDefault("SWELL_COMPONENT", "api");
    if (!component.equals("api") && !component.equals("worker")) {
      throw new Invalid("SWELL_COMPONENT must be api or worker, got \"" + component + "\"");
    }
    String redisUrl = env.get("REDIS_URL");
    if (redisUrl == null
        || !(redisUrl.startsWith("redis://") || redisUrl.startsWith("rediss://"))) {
      throw new Invalid("REDIS_URL must be a redis:// or rediss:// URL, got \"" + redisUrl + "\"");
    }
    String pod = env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "local"));
    new ClientIdentity(env.get("API_KEYS"), env.get("TRUSTED_PROXIES")); // refuses a malformed list
    // PORT 0 takes any free port: for several workers on one machine (the demo, the benchmarks)
    return new Config(
        component,
        number(env, "PORT", 8080, 0, 65535),
        redisUrl,
        env.get("REDIS_PASSWORD"),
        env.getOrDefault("QUEUE_KEY", "jobs"),
        number(env, "CACHE_TTL_SECONDS", 300, 1, 86_400 * 30),
        number(env, "RATE_LIMIT_RPS", 50, 1, 1_000_000),
        number(env, "RATE_LIMIT_BURST", 100, 1, 1_000_000),
        pod,
        number(env, "SOURCE_DELAY_MS", 50, 0, 60_000),
        number(env, "SOURCE_CONCURRENCY", 0, 0, 100_000),
        number(env, "WORKER_BATCH_SIZE", 10, 1, 1000),
        number(env, "WORKER_BATCH_WAIT_MS", 200, 1, 60_000),
        number(env, "WORKER_MAX_ATTEMPTS", 3, 1, 100),
        number(env, "WORKER_IO_MILLIS", 20, 0, 600_000),
        number(env, "WORKER_CPU_MILLIS", 0, 0, 600_000),
        env.get("API_KEYS"),
        env.get("TRUSTED_PROXIES"),
        number(env, "GRACE_SECONDS", 60, 1, 86_400));
  }

  private static int number(Map<String, String> env, String name, int fallback, int min, int max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n < min || n > max) {
        throw new Invalid(name + " must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new Invalid(name + " must be a whole number, got \"" + value + "\"");
    }
  }
}
