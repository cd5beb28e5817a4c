package dev.swell.operator;

import java.util.Map;

/**
 * Where the operator itself runs: its namespace (from the downward API's POD_NAMESPACE) and the
 * labels of its pods, which the managed Redis' NetworkPolicy admits so the operator can read
 * queues.
 */
public record OperatorIdentity(String namespace, Map<String, String> podLabels) {

  public static final String DEFAULT_NAMESPACE = "swell-system";
  private static final Map<String, String> POD_LABELS =
      Map.of("app.kubernetes.io/name", "swell-operator");

  public static OperatorIdentity current() {
    String ns = System.getenv("POD_NAMESPACE");
    return new OperatorIdentity(ns == null || ns.isBlank() ? DEFAULT_NAMESPACE : ns, POD_LABELS);
  }
}
