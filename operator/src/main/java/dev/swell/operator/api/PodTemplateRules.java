package dev.swell.operator.api;

/**
 * The schema's rules for {@code spec.api.podTemplate} and {@code spec.worker.podTemplate} that the
 * API server can afford to check: rules that walk the containers exceed its cost budget on a pod
 * schema without maxItems, so the operator checks those ({@code desired.PodTemplates#check}).
 */
final class PodTemplateRules {

  private PodTemplateRules() {}

  /** The labels Swell selects and marks its pods with (ChildNames). */
  static final String SWELL_LABELS =
      "['app.kubernetes.io/name', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of',"
          + " 'app.kubernetes.io/managed-by', 'swell.dev/redis-client']";

  static final String NO_SWELL_LABELS =
      "!has(self.metadata) || !has(self.metadata.labels)"
          + " || !self.metadata.labels.exists(k, k in "
          + SWELL_LABELS
          + ")";
  static final String NO_SWELL_LABELS_MESSAGE =
      "podTemplate.metadata.labels must not set app.kubernetes.io/name, component, part-of,"
          + " managed-by or swell.dev/redis-client: Swell selects and admits its pods by them";

  static final String NO_HOST_NAMESPACES =
      "!has(self.spec) || !((has(self.spec.hostNetwork) && self.spec.hostNetwork)"
          + " || (has(self.spec.hostPID) && self.spec.hostPID)"
          + " || (has(self.spec.hostIPC) && self.spec.hostIPC))";
  static final String NO_HOST_NAMESPACES_MESSAGE =
      "podTemplate.spec must not use the host's network, PID or IPC namespace";

  static final String NO_GRACE_PERIOD =
      "!has(self.spec) || !has(self.spec.terminationGracePeriodSeconds)";
  static final String NO_GRACE_PERIOD_MESSAGE =
      "spec.worker.podTemplate.spec.terminationGracePeriodSeconds: set"
          + " spec.worker.terminationGracePeriodSeconds instead (the worker drains within it)";
}
