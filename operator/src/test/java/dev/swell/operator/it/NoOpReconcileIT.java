package dev.swell.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.FixedApiScaling;
import dev.swell.operator.FixedWorkerScaling;
import dev.swell.operator.Fixtures;
import dev.swell.operator.OperatorAssembly;
import dev.swell.operator.OperatorSettings;
import dev.swell.operator.RecordingEventSink;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.metrics.ApiRequestMeter;
import dev.swell.operator.sharding.Ownership;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A reconcile with nothing to change sends the API server no write at all, counted at the
 * operator's own client (not only "changes no resourceVersion": a no-op server-side apply still
 * costs the API server a request per child per reconcile, which thousands of services multiply).
 */
@EnableKubeAPIServer(kubeAPIVersion = ApiServer.VERSION)
class NoOpReconcileIT {

  static KubernetesClient client;
  static final String NS = "noop";

  /** Every child Swell makes: api with HPA, PDB and Ingress, worker with PDB, managed Redis. */
  static final String EVERYTHING =
      """
      image: swell/sample-app:0.1.0
      redis: {mode: Managed}
      api:
        autoscaling: {minReplicas: 2, maxReplicas: 6, cpuUtilization: 70}
        ingress: {host: shop.localtest.me, className: nginx}
      worker:
        queue: {key: jobs}
        autoscaling: {minReplicas: 1, maxReplicas: 5}
        podTemplate:
          spec:
            containers:
              - name: worker
                command: [java, -jar, /app/app.jar]
                env: [{name: SIDE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]
      """;

  @Test
  void aReconcileWithNothingToChangeWritesNothing() {
    Crds.install(client);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(
                b -> b.addOrReplaceInterceptor(ApiRequestMeter.NAME, new ApiRequestMeter(registry)))
            .build()) {
      Operator operator =
          OperatorAssembly.operator(
              operatorClient,
              new OperatorSettings(Set.of(NS), false, "l", NS, 0, Duration.ZERO),
              new SimpleMeterRegistry(),
              new FixedWorkerScaling(),
              new FixedApiScaling(),
              new RecordingEventSink(),
              Fixtures::kindNodes,
              Clock.systemUTC(),
              true,
              () -> {},
              Ownership.ALL,
              null);
      operator.start();
      try {
        ScalableService s = Fixtures.service(EVERYTHING);
        s.getMetadata().setName("shop");
        s.getMetadata().setNamespace(NS);
        s.getMetadata().setUid(null);
        s.getMetadata().setGeneration(null);
        client.resource(s).serverSideApply();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  ScalableService now =
                      client
                          .resources(ScalableService.class)
                          .inNamespace(NS)
                          .withName("shop")
                          .get();
                  return now.getStatus() != null
                      && now.getStatus().observedGeneration != null
                      && client.apps().deployments().inNamespace(NS).list().getItems().size() == 3;
                });
        Thread.sleep(3_000); // the status written, every informer caught up
        Map<String, Double> before = writes(registry);
        for (int i = 0; i < 3; i++) {
          // an annotation changes no spec: each one is a reconcile that has nothing to do
          client
              .resources(ScalableService.class)
              .inNamespace(NS)
              .withName("shop")
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE),
                  "{\"metadata\":{\"annotations\":{\"test.swell.dev/poke\":\"" + i + "\"}}}");
          Thread.sleep(2_000);
        }
        Map<String, Double> after = writes(registry);
        assertThat(after)
            .as("writes by the operator over 3 reconciles with nothing to change")
            .isEqualTo(before);
        assertThat(
                client.apps().deployments().inNamespace(NS).list().getItems().stream()
                    .map(Deployment::getMetadata)
                    .map(m -> m.getName() + " generation " + m.getGeneration()))
            .as("no child changed")
            .allMatch(g -> g.endsWith("generation 1"));
      } finally {
        operator.stop();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static Map<String, Double> writes(SimpleMeterRegistry registry) {
    Map<String, Double> writes = new TreeMap<>();
    for (var meter : registry.find(ApiRequestMeter.NAME).counters()) {
      String verb = meter.getId().getTag("verb");
      if (ApiRequestMeter.writes(verb)) {
        writes.put(verb + " " + meter.getId().getTag("resource"), meter.count());
      }
    }
    return writes;
  }
}
