package dev.swell.operator.api;

/** Regular expressions the CRD schema enforces, shared by the model's annotations. */
public final class Patterns {
  /** A Go-style duration as Kubernetes writes them: 500ms, 1s, 5m, 1h30m. */
  static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  /** A label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
  public static final String LABEL_KEY =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

  /** A label value: empty, or at most 63 characters of alphanumerics, '-', '_' and '.'. */
  public static final String LABEL_VALUE = "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";

  /** A DNS name for an Ingress host, optionally with a leading wildcard. */
  static final String HOST =
      "^(\\*\\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";

  /** A DNS-1123 subdomain: an object's name, e.g. a Secret's or an IngressClass'. */
  static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A Redis key for the queue: printable, no spaces or wildcard characters. */
  static final String QUEUE_KEY = "^[A-Za-z0-9][A-Za-z0-9:_.{}-]{0,199}$";

  private Patterns() {}
}
