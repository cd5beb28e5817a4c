package dev.swell.operator;

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
 */
public record OperatorSettings(
    Set<String> namespaces,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    int httpPort,
    Duration eventInterval) {

  public static OperatorSettings from(Map<String, String> env) {
    String ns = env.getOrDefault("WATCH_NAMESPACES", "");
    Set<String> namespaces =
        Arrays.stream(ns.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    return new OperatorSettings(
        namespaces,
        Boolean.parseBoolean(env.getOrDefault("LEADER_ELECTION", "true")),
        env.getOrDefault("LEADER_ELECTION_LEASE", "swell-operator"),
        env.getOrDefault(
            "LEADER_ELECTION_NAMESPACE",
            env.getOrDefault("POD_NAMESPACE", OperatorIdentity.DEFAULT_NAMESPACE)),
        integer(env, "HTTP_PORT", 8080),
        Duration.ofSeconds(integer(env, "EVENT_INTERVAL_SECONDS", 300)));
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
