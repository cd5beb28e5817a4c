package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each write is one PATCH and nothing else: at thousands of services the API server's requests are
 * the limit, and a read before each write would double them. The mock server answers only the PATCH
 * it expects; a GET would get a 404 and fail the write.
 */
@EnableKubernetesMockClient
class KubernetesReplicaRealizerTest {

  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void aReplicaWriteIsOnePatchAndReturnsTheNewGeneration() throws Exception {
    int before = server.getRequestCount();
    server
        .expect()
        .patch()
        .withPath(
            "/apis/apps/v1/namespaces/shop/deployments/shop-worker?fieldManager=swell-queue-autoscaler")
        .andReturn(
            200,
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("shop-worker")
                .withNamespace("shop")
                .withGeneration(7L)
                .endMetadata()
                .build())
        .once();

    long generation = new KubernetesReplicaRealizer(client).scale("shop", "shop-worker", 4);

    assertThat(generation).isEqualTo(7L);
    List<RecordedRequest> sent = taken(server.getRequestCount() - before);
    assertThat(sent).extracting(RecordedRequest::getMethod).containsExactly("PATCH");
    assertThat(sent.get(0).getHeader("Content-Type")).startsWith("application/merge-patch+json");
    assertThat(sent.get(0).getBody().readUtf8()).isEqualTo("{\"spec\":{\"replicas\":4}}");
  }

  @Test
  void deletionCostsAreOnePatchPerPod() throws Exception {
    int before = server.getRequestCount();
    for (String pod : List.of("w-1", "w-2")) {
      server
          .expect()
          .patch()
          .withPath("/api/v1/namespaces/shop/pods/" + pod + "?fieldManager=swell-queue-autoscaler")
          .andReturn(
              200,
              new PodBuilder()
                  .withNewMetadata()
                  .withName(pod)
                  .withNamespace("shop")
                  .endMetadata()
                  .build())
          .once();
    }
    Map<String, Integer> costs = new HashMap<>();
    costs.put("w-1", 1003);
    costs.put("w-2", null);

    new KubernetesReplicaRealizer(client).setDeletionCosts("shop", costs);

    List<RecordedRequest> sent = taken(server.getRequestCount() - before);
    assertThat(sent).extracting(RecordedRequest::getMethod).containsExactly("PATCH", "PATCH");
    assertThat(sent)
        .extracting(r -> r.getBody().readUtf8())
        .containsExactlyInAnyOrder(
            "{\"metadata\":{\"annotations\":{\"controller.kubernetes.io/pod-deletion-cost\":\"1003\"}}}",
            "{\"metadata\":{\"annotations\":{\"controller.kubernetes.io/pod-deletion-cost\":null}}}");
  }

  private static List<RecordedRequest> taken(int count) throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      requests.add(server.takeRequest());
    }
    return requests;
  }
}
