package dev.swell.operator.desired;

import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every name and label of a ScalableService's children, in one place. */
public final class ChildNames {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "swell-operator";

  /** The label selector of everything this operator made. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGER;

  private ChildNames() {}

  /** The label selector of one component's children and pods, of every ScalableService. */
  public static String managedSelector(Component c) {
    return MANAGED_SELECTOR + "," + COMPONENT + "=" + c.label();
  }

  public static String of(ScalableService s, Component c) {
    return s.getMetadata().getName() + "-" + c.label();
  }

  public static String redisSecret(ScalableService s) {
    return s.getMetadata().getName() + "-redis-auth";
  }

  /** host:port of the managed Redis Service. */
  public static String redisEndpoint(ScalableService s) {
    return of(s, Component.REDIS)
        + "."
        + s.getMetadata().getNamespace()
        + ".svc:"
        + RedisResources.PORT;
  }

  /** The stable labels a component's pods are selected by (Deployment selectors are immutable). */
  public static Map<String, String> selector(ScalableService s, Component c) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, s.getMetadata().getName());
    labels.put(COMPONENT, c.label());
    return labels;
  }

  /** All labels of a component's children and pods. */
  public static Map<String, String> labels(ScalableService s, Component c) {
    Map<String, String> labels = selector(s, c);
    labels.put(PART_OF, s.getMetadata().getName());
    labels.put(MANAGED_BY, MANAGER);
    return labels;
  }

  /**
   * The label that admits a pod to its service's managed Redis (the NetworkPolicy selects it). The
   * ValidatingAdmissionPolicy of manifests/admission lets only the operator and the controllers
   * that make pods from its Deployments set it, so a pod that merely copies labels is not admitted.
   */
  public static final String REDIS_CLIENT = "swell.dev/redis-client";

  /** The labels of an api or worker pod: its component's, and the Redis client label. */
  public static Map<String, String> podLabels(ScalableService s, Component c) {
    Map<String, String> labels = labels(s, c);
    labels.put(REDIS_CLIENT, s.getMetadata().getName());
    return labels;
  }

  /** Metadata of a child: name, namespace and labels. The owner reference is added by JOSDK. */
  public static ObjectMeta metadata(ScalableService s, Component c, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(s.getMetadata().getNamespace())
        .withLabels(labels(s, c))
        .build();
  }
}
