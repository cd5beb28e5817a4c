package dev.swell.operator;

import dev.swell.operator.api.ManagedRedis;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's settings, from its environment.
 *
 * @param namespaces namespaces to watch; empty = all (WATCH_NAMESPACES, comma separated)
 * @param leaderElection whether to take a Lease before reconciling (LEADER_ELECTION, default true)
 * @param leaseName the Lease's name (LEADER_ELECTION_LEASE, default swell-operator)
 * @param leaseNamespace the Lease's namespace (LEADER_ELECTION_NAMESPACE, default POD_NAMESPACE)
 * @param httpPort port of /metrics, /healthz and /readyz (HTTP_PORT, default 8080)
 * @param eventInterval how long a repeated event is suppressed (EVENT_INTERVAL_SECONDS, default
 *     300)
 * @param allowedRedisHosts the external Redis hosts the operator may connect to, as host or
 *     *.suffix (ALLOWED_REDIS_HOSTS, comma separated); empty = any
 * @param redisImage the managed Redis image of a service that names none (SWELL_REDIS_IMAGE,
 *     default {@value ManagedRedis#DEFAULT_IMAGE}): kind users keep the public image, an offline
 *     cluster names the one its nodes have
 * @param shards how many shards the replicas divide the services into (SHARDS, default 1): with 1,
 *     one replica leads through the Lease and reconciles everything; with more, each replica holds
 *     shards through Leases of its own ({@code <leaseName>-shard-<k>}) and reconciles and scales
 *     only their services, instead of leader election
 */
public record OperatorSettings(
    Set<String> namespaces,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    int httpPort,
    Duration eventInterval,
    Set<String> allowedRedisHosts,
    String redisImage,
    int shards) {

  public OperatorSettings {
    if (shards < 1) {
      throw new IllegalArgumentException("SHARDS must be at least 1, got " + shards);
    }
  }

  public OperatorSettings(
      Set<String> namespaces,
      boolean leaderElection,
      String leaseName,
      String leaseNamespace,
      int httpPort,
      Duration eventInterval) {
    this(
        namespaces,
        leaderElection,
        leaseName,
        leaseNamespace,
        httpPort,
        eventInterval,
        Set.of(),
        ManagedRedis.DEFAULT_IMAGE,
        1);
  }

  /** Whether the replicas divide the services into shards instead of electing one leader. */
  public boolean sharded() {
    return shards > 1;
  }

  public static OperatorSettings from(Map<String, String> env) {
    return new OperatorSettings(
        list(env, "WATCH_NAMESPACES"),
        Boolean.parseBoolean(env.getOrDefault("LEADER_ELECTION", "true")),
        env.getOrDefault("LEADER_ELECTION_LEASE", "swell-operator"),
        env.getOrDefault(
            "LEADER_ELECTION_NAMESPACE",
            env.getOrDefault("POD_NAMESPACE", OperatorIdentity.DEFAULT_NAMESPACE)),
        integer(env, "HTTP_PORT", 8080),
        Duration.ofSeconds(integer(env, "EVENT_INTERVAL_SECONDS", 300)),
        list(env, "ALLOWED_REDIS_HOSTS"),
        text(env, "SWELL_REDIS_IMAGE", ManagedRedis.DEFAULT_IMAGE),
        integer(env, "SHARDS", 1));
  }

  private static String text(Map<String, String> env, String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static Set<String> list(Map<String, String> env, String name) {
    return Arrays.stream(env.getOrDefault(name, "").split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  private static int integer(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got \"" + value + "\"");
    }
  }
}
