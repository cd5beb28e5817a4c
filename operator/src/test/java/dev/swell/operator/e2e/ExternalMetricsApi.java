package dev.swell.operator.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The cluster's external metrics API (external.metrics.k8s.io/v1beta1) served by a process on
 * loopback: the aggregator reaches it as it reaches the simulated cluster's metrics-server, through
 * an ExternalName Service "localhost". One server at a time holds the API.
 */
final class ExternalMetricsApi implements AutoCloseable {

  private final KubernetesClient client;
  private final String service;

  private ExternalMetricsApi(KubernetesClient client, String service) {
    this.client = client;
    this.service = service;
  }

  /** Points the API at 127.0.0.1:port and waits until the aggregator calls it Available. */
  static ExternalMetricsApi register(KubernetesClient client, String service, int port) {
    client
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(service)
                .withNamespace("kube-system")
                .endMetadata()
                .withNewSpec()
                .withType("ExternalName")
                .withExternalName("localhost")
                .endSpec()
                .build())
        .forceConflicts()
        .serverSideApply();
    client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: apiregistration.k8s.io/v1
                kind: APIService
                metadata: {name: v1beta1.external.metrics.k8s.io}
                spec:
                  group: external.metrics.k8s.io
                  version: v1beta1
                  groupPriorityMinimum: 100
                  versionPriority: 100
                  insecureSkipTLSVerify: true
                  service: {name: %s, namespace: kube-system, port: %d}
                """
                    .formatted(service, port),
                GenericKubernetesResource.class))
        .forceConflicts()
        .serverSideApply();
    ExternalMetricsApi api = new ExternalMetricsApi(client, service);
    await("the aggregator finds the external metrics API at 127.0.0.1:" + port)
        .atMost(Duration.ofSeconds(60))
        .until(() -> available(api.apiService().get()));
    return api;
  }

  private Resource<GenericKubernetesResource> apiService() {
    return client
        .genericKubernetesResources("apiregistration.k8s.io/v1", "APIService")
        .withName("v1beta1.external.metrics.k8s.io");
  }

  @SuppressWarnings("unchecked")
  private static boolean available(GenericKubernetesResource service) {
    if (service == null) {
      return false;
    }
    Object status = service.getAdditionalProperties().get("status");
    List<Map<String, Object>> conditions =
        status instanceof Map<?, ?> m ? (List<Map<String, Object>>) m.get("conditions") : null;
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> "Available".equals(c.get("type")) && "True".equals(c.get("status")));
  }

  @Override
  public void close() {
    apiService().delete();
    client.services().inNamespace("kube-system").withName(service).delete();
  }
}
