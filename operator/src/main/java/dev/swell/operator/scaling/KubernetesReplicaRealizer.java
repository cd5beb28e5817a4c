package dev.swell.operator.scaling;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
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

  /**
   * One PATCH request. Through a named resource ({@code withName}) fabric8 reads the object first
   * to learn its name, one GET more per write; a resource by name alone needs none.
   */
  @Override
  public long scale(String namespace, String deployment, int replicas) {
    return WriteGate.call(
        () ->
            client
                .apps()
                .deployments()
                .resource(
                    new DeploymentBuilder()
                        .withNewMetadata()
                        .withName(deployment)
                        .withNamespace(namespace)
                        .endMetadata()
                        .build())
                .patch(merge, "{\"spec\":{\"replicas\":" + replicas + "}}")
                .getMetadata()
                .getGeneration());
  }

  @Override
  public void setDeletionCosts(String namespace, Map<String, Integer> costByPod) {
    costByPod.forEach(
        (pod, cost) ->
            WriteGate.call(
                () ->
                    client
                        .pods()
                        .resource(
                            new PodBuilder()
                                .withNewMetadata()
                                .withName(pod)
                                .withNamespace(namespace)
                                .endMetadata()
                                .build())
                        .patch(
                            merge,
                            "{\"metadata\":{\"annotations\":{\""
                                + DELETION_COST
                                + "\":"
                                + (cost == null ? "null" : "\"" + cost + "\"")
                                + "}}}")));
  }
}
