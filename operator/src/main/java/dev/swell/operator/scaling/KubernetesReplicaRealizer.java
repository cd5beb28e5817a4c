package dev.swell.operator.scaling;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;

/**
 * Writes replicas as the field manager {@value #FIELD_MANAGER}, separate from the operator's
 * server-side apply of the Deployment (which never sets the worker's replicas), so the two never
 * fight over the field.
 */
public final class KubernetesReplicaRealizer implements ReplicaRealizer {

  public static final String FIELD_MANAGER = "swell-queue-autoscaler";

  /** The api's request autoscaler writes as this manager. */
  public static final String API_FIELD_MANAGER = "swell-api-autoscaler";

  public static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
  private final PatchContext merge;

  private final KubernetesClient client;

  public KubernetesReplicaRealizer(KubernetesClient client) {
    this(client, FIELD_MANAGER);
  }

  public KubernetesReplicaRealizer(KubernetesClient client, String fieldManager) {
    this.client = client;
    this.merge =
        new PatchContext.Builder()
            .withPatchType(PatchType.JSON_MERGE)
            .withFieldManager(fieldManager)
            .build();
  }

  @Override
  public long scale(String namespace, String deployment, int replicas) {
    return client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .withName(deployment)
        .patch(merge, "{\"spec\":{\"replicas\":" + replicas + "}}")
        .getMetadata()
        .getGeneration();
  }

  @Override
  public void setDeletionCosts(String namespace, Map<String, Integer> costByPod) {
    costByPod.forEach(
        (pod, cost) ->
            client
                .pods()
                .inNamespace(namespace)
                .withName(pod)
                .patch(
                    merge,
                    "{\"metadata\":{\"annotations\":{\""
                        + DELETION_COST
                        + "\":"
                        + (cost == null ? "null" : "\"" + cost + "\"")
                        + "}}}"));
  }
}
