package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.NodeCatalog;
import dev.swell.operator.OperatorAssembly;
import dev.swell.operator.OperatorSettings;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.events.KubernetesEventSink;
import dev.swell.operator.it.Crds;
import dev.swell.operator.scaling.RequestAutoscaler;
import dev.swell.operator.scaling.WorkerAutoscaler;
import dev.swell.operator.sharding.Ownership;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster for end-to-end tests: the one in KUBECONFIG (the simulated cluster in `make test`, a
 * kind cluster in `make e2e`), with the operator running in this JVM as it runs in its Deployment.
 * A missing cluster fails the tests: it is never a reason to skip them.
 */
final class E2ECluster implements AutoCloseable {

  /** Requests other than GET sent through this cluster's client (the operator's included). */
  static final AtomicLong WRITES = new AtomicLong();

  final KubernetesClient client;
  final String namespace;
  private Operator operator;
  private WorkerAutoscaler workers;
  private RequestAutoscaler apis;
  private NodeCatalog nodes;

  E2ECluster(String namespace) {
    String kubeconfig = System.getenv("KUBECONFIG");
    assertThat(kubeconfig)
        .as("KUBECONFIG must point at a cluster: `make test` starts the simulated one")
        .isNotBlank();
    this.client =
        new KubernetesClientBuilder()
            .withConfig(Config.autoConfigure(null))
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "swell-write-counter",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            if (!"GET".equals(request.method())) {
                              WRITES.incrementAndGet();
                            }
                          }
                        }))
            .build();
    this.namespace = namespace;
    Crds.install(client);
    Namespace ns =
        new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build();
    client.resource(ns).serverSideApply();
  }

  /** Starts (or restarts) the operator in this JVM, with the test's (admin) credentials. */
  E2ECluster startOperator() {
    return startOperator(
        client,
        new OperatorSettings(
            Set.of(namespace), false, "swell", namespace, 0, Duration.ofMinutes(5)));
  }

  /**
   * Starts the operator with the given credentials and settings (e.g. impersonating its
   * ServiceAccount).
   */
  E2ECluster startOperator(KubernetesClient as, OperatorSettings settings) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Clock clock = Clock.systemUTC();
    nodes = new NodeCatalog(as).start();
    KubernetesEventSink events = new KubernetesEventSink(as, clock, Duration.ofMinutes(5));
    workers = new WorkerAutoscaler(as, settings.namespaces(), registry, events, clock);
    apis = new RequestAutoscaler(as, settings.namespaces(), registry, events, clock);
    operator =
        OperatorAssembly.operator(
            as,
            settings,
            registry,
            workers,
            apis,
            events,
            nodes,
            clock,
            true,
            () -> {},
            Ownership.ALL,
            null);
    operator.start();
    return this;
  }

  void stopOperator() {
    if (operator != null) {
      operator.stop();
      workers.close();
      apis.close();
      nodes.close();
      operator = null;
    }
  }

  /** Whether pods run on KWOK nodes, whose CPU the tests can set. */
  boolean simulated() {
    return client.nodes().list().getItems().stream()
        .anyMatch(n -> "kwok".equals(n.getMetadata().getLabels().get("type")));
  }

  ScalableService apply(String name, String spec) {
    ScalableService s = Fixtures.service(spec);
    s.getMetadata().setName(name);
    s.getMetadata().setNamespace(namespace);
    s.getMetadata().setUid(null);
    s.getMetadata().setGeneration(null);
    return client.resource(s).forceConflicts().serverSideApply();
  }

  /** A Deployment of this namespace, or null. */
  Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(namespace).withName(name).get();
  }

  ScalableService get(String name) {
    return client.resources(ScalableService.class).inNamespace(namespace).withName(name).get();
  }

  List<Pod> pods(String service, String component) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabels(
            Map.of("app.kubernetes.io/name", service, "app.kubernetes.io/component", component))
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  /**
   * Sets (or with null removes) an annotation as `kubectl annotate` does: a merge patch, no
   * conflicts.
   */
  <T extends HasMetadata> void annotate(Class<T> type, String name, String key, String value) {
    String json = value == null ? "null" : "\"" + value + "\"";
    client
        .resources(type)
        .inNamespace(namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + key + "\":" + json + "}}}");
  }

  String zoneOf(String node) {
    return client
        .nodes()
        .withName(node)
        .get()
        .getMetadata()
        .getLabels()
        .get("topology.kubernetes.io/zone");
  }

  @Override
  public void close() {
    stopOperator();
    client.namespaces().withName(namespace).delete();
    client.close();
  }
}
