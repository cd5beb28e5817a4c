package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkloadsTest {

  static final String SHOP =
      """
      image: swell/sample-app:0.1.0
      redis: {mode: Managed}
      api:
        port: 9090
        autoscaling: {minReplicas: 2, maxReplicas: 10, cpuUtilization: 70}
        cache: {ttl: 5m}
        rateLimit: {requestsPerSecond: 50, burst: 100}
        env: [{name: LOG_LEVEL, value: debug}]
      worker:
        terminationGracePeriodSeconds: 90
        queue: {key: jobs, targetBacklogPerReplica: 20}
        resources: {requests: {cpu: 250m}}
        placement:
          dedicatedNodes: {key: dedicated, value: workers}
      placement:
        antiAffinity: Preferred
      """;

  static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> b));
  }

  @Test
  void anAutoscaledApiLeavesReplicasToTheHpa() {
    Deployment api = Workloads.api(Fixtures.service(SHOP), true);
    assertThat(api.getSpec().getReplicas()).as("the HPA owns spec.replicas").isNull();
    assertThat(api.getMetadata().getName()).isEqualTo("shop-api");
  }

  @Test
  void aFixedApiHasItsReplicasAndDefaultsToOne() {
    assertThat(
            Workloads.api(Fixtures.service("image: app\napi: {replicas: 3}"), true)
                .getSpec()
                .getReplicas())
        .isEqualTo(3);
    assertThat(Workloads.api(Fixtures.service("image: app\napi: {}"), true).getSpec().getReplicas())
        .isEqualTo(1);
  }

  @Test
  void theWorkerNeverSetsReplicas() {
    assertThat(Workloads.worker(Fixtures.service(SHOP), true).getSpec().getReplicas()).isNull();
  }

  @Test
  void theApiGetsTheEnvironmentContract() {
    Container c =
        Workloads.api(Fixtures.service(SHOP), true)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    Map<String, EnvVar> env = env(c);
    assertThat(env.get("SWELL_COMPONENT").getValue()).isEqualTo("api");
    assertThat(env.get("PORT").getValue()).isEqualTo("9090");
    assertThat(env.get("REDIS_URL").getValue()).isEqualTo("redis://shop-redis.demo.svc:6379/0");
    assertThat(env.get("REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("shop-redis-auth");
    assertThat(env.get("REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo("password");
    assertThat(env.get("QUEUE_KEY").getValue()).isEqualTo("jobs");
    assertThat(env.get("CACHE_TTL_SECONDS").getValue()).isEqualTo("300");
    assertThat(env.get("RATE_LIMIT_RPS").getValue()).isEqualTo("50");
    assertThat(env.get("RATE_LIMIT_BURST").getValue()).isEqualTo("100");
    assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    assertThat(env.get("LOG_LEVEL").getValue()).isEqualTo("debug");
    assertThat(c.getPorts().get(0).getContainerPort()).isEqualTo(9090);
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
  }

  @Test
  void theIngressControllersAddressesBecomeTheApisTrustedProxies() {
    // behind the Ingress every client arrives from the controller: without them, one bucket for all
    String spec =
        """
        image: app
        redis: {}
        api:
          ingress: {host: shop.example, trustedProxies: [10.244.0.0/16, 10.96.0.10]}
          env: [{name: TRUSTED_PROXIES, value: 0.0.0.0/0}]
        worker: {queue: {key: jobs}}
        """;
    ScalableService s = Fixtures.service(spec);
    List<EnvVar> api =
        Workloads.api(s, true).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(api)
        .filteredOn(e -> e.getName().equals("TRUSTED_PROXIES"))
        .singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo("10.244.0.0/16,10.96.0.10"));
    assertThat(
            env(Workloads.worker(s, true).getSpec().getTemplate().getSpec().getContainers().get(0)))
        .doesNotContainKey("TRUSTED_PROXIES");
    Map<String, EnvVar> own =
        env(
            Workloads.api(
                    Fixtures.service(
                        "image: app\napi:\n  ingress: {host: shop.example}\n  env: [{name: TRUSTED_PROXIES, value: 10.0.0.1}]"),
                    true)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0));
    assertThat(own.get("TRUSTED_PROXIES").getValue())
        .as("without the field, env's own TRUSTED_PROXIES stands")
        .isEqualTo("10.0.0.1");
  }

  @Test
  void theEnvContractCannotBeOverriddenThroughEnv() {
    // the CRD refuses these names; an object stored before that rule still gets Swell's values
    Deployment worker =
        Workloads.worker(
            Fixtures.service(
                """
                image: app
                redis: {}
                worker:
                  queue: {key: jobs}
                  env: [{name: POD_NAME, value: someone-else}, {name: QUEUE_KEY, value: other}, {name: X, value: y}]
                """),
            true);
    List<EnvVar> env = worker.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env)
        .filteredOn(e -> e.getName().equals("POD_NAME"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                    .isEqualTo("metadata.name"));
    assertThat(env)
        .filteredOn(e -> e.getName().equals("QUEUE_KEY"))
        .singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo("jobs"));
    assertThat(env).filteredOn(e -> e.getName().equals("X")).hasSize(1);
  }

  @Test
  void theWorkerGetsItsQueueAndGracePeriodButNoCacheSettings() {
    Deployment worker = Workloads.worker(Fixtures.service(SHOP), true);
    PodSpec pod = worker.getSpec().getTemplate().getSpec();
    Map<String, EnvVar> env = env(pod.getContainers().get(0));
    assertThat(env.get("SWELL_COMPONENT").getValue()).isEqualTo("worker");
    assertThat(env.get("QUEUE_KEY").getValue()).isEqualTo("jobs");
    assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getPath())
        .as("not ready while it cannot reach Redis")
        .isEqualTo("/readyz");
    assertThat(pod.getContainers().get(0).getLivenessProbe().getHttpGet().getPath())
        .as("restarted when its loop has ended")
        .isEqualTo("/healthz");
    assertThat(env).doesNotContainKeys("CACHE_TTL_SECONDS", "RATE_LIMIT_RPS");
    assertThat(env.get("GRACE_SECONDS").getValue())
        .as("it drains within the grace the kubelet gives it")
        .isEqualTo(String.valueOf(pod.getTerminationGracePeriodSeconds()));
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(90L);
  }

  @Test
  void everyAppPodRunsRestricted() {
    for (Deployment d :
        new Deployment[] {
          Workloads.api(Fixtures.service(SHOP), true),
          Workloads.worker(Fixtures.service(SHOP), true)
        }) {
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .isEqualTo("RuntimeDefault");
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(c.getVolumeMounts())
          .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }
  }

  @Test
  void requestsAreDefaultedWhereTheSpecHasNone() {
    ScalableService s = Fixtures.service(SHOP);
    var api =
        Workloads.api(s, true)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getResources()
            .getRequests();
    assertThat(api)
        .containsEntry("cpu", new Quantity("100m"))
        .containsEntry("memory", new Quantity("128Mi"));
    var worker =
        Workloads.worker(s, true)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getResources()
            .getRequests();
    assertThat(worker)
        .containsEntry("cpu", new Quantity("250m"))
        .containsEntry("memory", new Quantity("128Mi"));
  }

  @Test
  void componentPlacementOverridesAndIsApplied() {
    ScalableService s = Fixtures.service(SHOP);
    PodSpec worker = Workloads.worker(s, true).getSpec().getTemplate().getSpec();
    assertThat(worker.getTolerations())
        .anySatisfy(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(worker.getAffinity().getPodAntiAffinity())
        .as("inherited from spec.placement")
        .isNotNull();
    PodSpec api = Workloads.api(s, true).getSpec().getTemplate().getSpec();
    assertThat(api.getTolerations()).isNull();
  }

  @Test
  void selectorsAndLabelsFollowTheNamingContract() {
    Deployment api = Workloads.api(Fixtures.service(SHOP), true);
    assertThat(api.getSpec().getSelector().getMatchLabels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/component", "api"));
    assertThat(api.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/part-of", "shop")
        .containsEntry("app.kubernetes.io/managed-by", "swell-operator");
    Map<String, String> podLabels = new HashMap<>(api.getMetadata().getLabels());
    podLabels.put("swell.dev/redis-client", "shop");
    assertThat(api.getSpec().getTemplate().getMetadata().getLabels())
        .as("the Deployment's labels, and the one its Redis admits")
        .isEqualTo(podLabels);
  }

  @Test
  void externalRedisWithTlsBecomesRedissAndUsesTheReferencedSecret() {
    ScalableService s =
        Fixtures.service(
            """
        image: app
        redis:
          mode: External
          external: {url: "redis://cache.example:6379/0", tls: true, passwordSecretRef: {name: redis-auth, key: pw}}
        api: {}
        """);
    Map<String, EnvVar> env =
        env(Workloads.api(s, true).getSpec().getTemplate().getSpec().getContainers().get(0));
    assertThat(env.get("REDIS_URL").getValue()).isEqualTo("rediss://cache.example:6379/0");
    assertThat(env.get("REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("redis-auth");
    assertThat(env.get("REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("pw");
  }

  @Test
  void withoutRedisTheAppGetsNoRedisSettings() {
    Map<String, EnvVar> env =
        env(
            Workloads.api(Fixtures.service("image: app\nredis: {mode: None}\napi: {}"), true)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0));
    assertThat(env).doesNotContainKeys("REDIS_URL", "REDIS_PASSWORD", "QUEUE_KEY");
  }
}
