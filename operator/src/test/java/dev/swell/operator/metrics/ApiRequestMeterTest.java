package dev.swell.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the operator's client counts: the API server's verbs and resources. */
@EnableKubernetesMockClient(crud = true)
class ApiRequestMeterTest {

  static KubernetesMockServer server;

  @ParameterizedTest(name = "{0} {1} -> {2} {3}")
  @CsvSource({
    "GET, /api/v1/namespaces/shop/pods?labelSelector=a%3Db, list, pods",
    "GET, /api/v1/namespaces/shop/pods?watch=true&resourceVersion=5, watch, pods",
    "GET, /api/v1/pods?watch=true, watch, pods",
    "GET, /apis/apps/v1/namespaces/shop/deployments/shop-worker, get, deployments",
    "PATCH, /apis/apps/v1/namespaces/shop/deployments/shop-worker, patch, deployments",
    "PATCH, /apis/swell.dev/v1alpha1/namespaces/shop/scalableservices/shop/status, patch,"
        + " scalableservices/status",
    "PUT, /apis/coordination.k8s.io/v1/namespaces/swell-system/leases/swell-operator, update,"
        + " leases",
    "POST, /api/v1/namespaces/shop/events, create, events",
    "DELETE, /api/v1/namespaces/shop/secrets/shop-redis-auth, delete, secrets",
    "GET, /api/v1/namespaces/shop, get, namespaces",
    "GET, /api/v1/nodes, list, nodes",
    "GET, /apis/metrics.k8s.io/v1beta1/namespaces/shop/pods, list, pods",
    "GET, /apis, get, discovery",
    "GET, /apis/apps/v1, get, discovery",
    "GET, /version, get, other"
  })
  void requestsAreNamedAsTheApiServerNamesThem(
      String method, String path, String verb, String resource) {
    assertThat(ApiRequestMeter.classify(method, URI.create("https://k8s" + path)))
        .isEqualTo(new ApiRequestMeter.Request(verb, resource));
  }

  @Test
  void aClientWithTheMeterCountsWhatItSends() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(server.createClient().getConfiguration())
            .withHttpClientBuilderConsumer(
                b -> b.addOrReplaceInterceptor(ApiRequestMeter.NAME, new ApiRequestMeter(registry)))
            .build()) {
      var map =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName("settings")
              .withNamespace("shop")
              .endMetadata()
              .withData(Map.of("a", "1"))
              .build();
      client.resource(map).create();
      client.configMaps().inNamespace("shop").withName("settings").get();
      client.configMaps().inNamespace("shop").withName("settings").get();
      client.configMaps().inNamespace("shop").list();
      try (Watch w =
          client
              .configMaps()
              .inNamespace("shop")
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap m) {}

                    @Override
                    public void onClose(WatcherException cause) {}
                  })) {
        assertThat(w).isNotNull();
      }
      client.configMaps().inNamespace("shop").withName("settings").delete();
    }
    assertThat(count(registry, "create")).isEqualTo(1);
    assertThat(count(registry, "get")).isEqualTo(2);
    assertThat(count(registry, "list")).isEqualTo(1);
    assertThat(count(registry, "watch")).isEqualTo(1);
    assertThat(count(registry, "delete")).isEqualTo(1);
  }

  private static double count(SimpleMeterRegistry registry, String verb) {
    var c =
        registry.find(ApiRequestMeter.NAME).tags("verb", verb, "resource", "configmaps").counter();
    return c == null ? 0 : c.count();
  }
}
