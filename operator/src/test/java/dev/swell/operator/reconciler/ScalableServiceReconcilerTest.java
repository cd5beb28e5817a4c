package dev.swell.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.FixedApiScaling;
import dev.swell.operator.FixedWorkerScaling;
import dev.swell.operator.Fixtures;
import dev.swell.operator.OperatorAssembly;
import dev.swell.operator.OperatorSettings;
import dev.swell.operator.RecordingEventSink;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.RedisResources;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.sharding.Ownership;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against fabric8's mock API server (CRUD mode): children follow the spec, and a
 * reconcile with nothing to change writes nothing. Schema, SSA ownership and garbage collection
 * need a real API server: see the *IT and *E2E tests.
 */
@EnableKubernetesMockClient(crud = true)
class ScalableServiceReconcilerTest {

  static KubernetesMockServer server;
  static KubernetesClient client;

  static final String NS = "demo";
  static final String SHOP =
      """
      image: swell/sample-app:0.1.0
      redis: {mode: Managed}
      api:
        autoscaling: {minReplicas: 2, maxReplicas: 6, cpuUtilization: 70}
        ingress: {host: shop.localtest.me, className: nginx}
      worker:
        queue: {key: jobs}
        autoscaling: {minReplicas: 0, maxReplicas: 5}
      """;

  static final String REDIS_IMAGE = "registry.example/redis:7.4";
  final FixedWorkerScaling scaling = new FixedWorkerScaling();
  final FixedApiScaling apiScaling = new FixedApiScaling();
  final RecordingEventSink events = new RecordingEventSink();
  Operator operator;

  @BeforeEach
  void start() {
    operator = operator(Ownership.ALL);
    operator.start();
  }

  Operator operator(Ownership ownership) {
    return OperatorAssembly.operator(
        client,
        OperatorSettings.from(
            Map.of(
                "LEADER_ELECTION", "false",
                "LEADER_ELECTION_NAMESPACE", NS,
                "HTTP_PORT", "0",
                "EVENT_INTERVAL_SECONDS", "0",
                "SWELL_REDIS_IMAGE", REDIS_IMAGE)),
        new SimpleMeterRegistry(),
        scaling,
        apiScaling,
        events,
        Fixtures::kindNodes,
        Clock.systemUTC(),
        false,
        () -> {},
        ownership,
        null);
  }

  @AfterEach
  void stop() {
    operator.stop();
  }

  static ScalableService apply(String name, String spec) {
    ScalableService s = Fixtures.service(spec);
    s.getMetadata().setName(name);
    s.getMetadata().setUid(null);
    s.getMetadata().setNamespace(NS);
    return client.resource(s).createOr(r -> r.update());
  }

  /** The condition of that type on the service's status; fails the assertion while absent. */
  static Condition condition(String service, String type) {
    ScalableService s = get(ScalableService.class, service);
    assertThat(s.getStatus()).isNotNull();
    return s.getStatus().conditions.stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  static <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  @Test
  void aServiceOfAnotherReplicasShardGetsNothingFromThisReplica() {
    operator.stop();
    operator = operator((namespace, name) -> !name.equals("theirs"));
    operator.start();
    apply("theirs", SHOP);
    apply("ours", SHOP);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(get(Deployment.class, "ours-worker")).isNotNull();
              assertThat(get(ScalableService.class, "ours").getStatus()).isNotNull();
            });
    assertThat(get(Deployment.class, "theirs-worker")).as("another replica's child").isNull();
    assertThat(get(Deployment.class, "theirs-api")).as("another replica's child").isNull();
    assertThat(get(ScalableService.class, "theirs").getStatus())
        .as("another replica's status")
        .isNull();
    assertThat(scaling.tracked.keySet())
        .extracting(ResourceID::getName)
        .as("queue loops started here")
        .contains("ours")
        .doesNotContain("theirs");
  }

  @Test
  void createsEveryChildAndReportsStatus() {
    apply("shop", SHOP);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(get(Deployment.class, "shop-api")).isNotNull();
              assertThat(get(Deployment.class, "shop-worker")).isNotNull();
              assertThat(get(Deployment.class, "shop-redis")).isNotNull();
              assertThat(
                      get(Deployment.class, "shop-redis")
                          .getSpec()
                          .getTemplate()
                          .getSpec()
                          .getContainers()
                          .get(0)
                          .getImage())
                  .as("the operator's SWELL_REDIS_IMAGE")
                  .isEqualTo(REDIS_IMAGE);
              assertThat(get(Service.class, "shop-api")).isNotNull();
              assertThat(get(Service.class, "shop-redis")).isNotNull();
              assertThat(get(Secret.class, "shop-redis-auth")).isNotNull();
              assertThat(get(NetworkPolicy.class, "shop-redis")).isNotNull();
              assertThat(get(HorizontalPodAutoscaler.class, "shop-api")).isNotNull();
              assertThat(get(PodDisruptionBudget.class, "shop-api")).isNotNull();
              assertThat(get(PodDisruptionBudget.class, "shop-worker")).isNotNull();
              assertThat(get(Ingress.class, "shop-api")).isNotNull();
              assertThat(get(ScalableService.class, "shop").getStatus()).isNotNull();
            });
    Deployment api = get(Deployment.class, "shop-api");
    assertThat(api.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("ScalableService"));
    ScalableService shop = get(ScalableService.class, "shop");
    assertThat(shop.getStatus().observedGeneration).isEqualTo(shop.getMetadata().getGeneration());
    assertThat(shop.getStatus().conditions)
        .extracting(c -> c.getType())
        .containsExactly(
            "Ready",
            "RedisReady",
            "ApiAvailable",
            "WorkerAvailable",
            "ScalingActive",
            "ApiScalingActive",
            "PlacementFeasible",
            "Fallback",
            "Paused");
    assertThat(shop.getStatus().redis.endpoint).isEqualTo("shop-redis.demo.svc:6379");
    // the operator reads the queue with the generated password
    String password = RedisResources.password(get(Secret.class, "shop-redis-auth"));
    await()
        .untilAsserted(
            () ->
                assertThat(scaling.tracked.get(new ResourceID("shop", NS)))
                    .satisfies(r -> assertThat(r.password()).isEqualTo(password)));
  }

  @Test
  void childrenFollowTheSpecAndDisabledComponentsAreRemoved() {
    apply("follow", SHOP);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                get(HorizontalPodAutoscaler.class, "follow-api") != null
                    && get(Deployment.class, "follow-worker") != null
                    && get(Ingress.class, "follow-api") != null);
    String password = RedisResources.password(get(Secret.class, "follow-redis-auth"));

    apply(
        "follow",
        """
        image: swell/sample-app:0.2.0
        redis: {mode: Managed}
        api:
          replicas: 3
        worker:
          enabled: false
          queue: {key: jobs}
        """);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              Deployment api = get(Deployment.class, "follow-api");
              assertThat(api.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                  .isEqualTo("swell/sample-app:0.2.0");
              assertThat(api.getSpec().getReplicas()).isEqualTo(3);
              assertThat(get(HorizontalPodAutoscaler.class, "follow-api"))
                  .as("autoscaling removed")
                  .isNull();
              assertThat(get(Ingress.class, "follow-api")).as("ingress removed").isNull();
              assertThat(get(Deployment.class, "follow-worker")).as("worker disabled").isNull();
              assertThat(get(PodDisruptionBudget.class, "follow-worker")).isNull();
            });
    assertThat(RedisPassword.of(get(Secret.class, "follow-redis-auth")))
        .as("the password survives reconciles")
        .isEqualTo(password);
    await()
        .untilAsserted(
            () ->
                assertThat(scaling.forgotten)
                    .anySatisfy(id -> assertThat(id.getName()).isEqualTo("follow")));

    apply("follow", "image: swell/sample-app:0.2.0\nredis: {mode: None}\napi: {replicas: 3}");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(get(Deployment.class, "follow-redis")).isNull();
              assertThat(get(Service.class, "follow-redis")).isNull();
              assertThat(get(Secret.class, "follow-redis-auth")).isNull();
              assertThat(get(NetworkPolicy.class, "follow-redis")).isNull();
            });
  }

  @Test
  void aReconcileWithNothingToChangeWritesNothing() throws InterruptedException {
    apply("steady", SHOP);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              ScalableService s = get(ScalableService.class, "steady");
              return s.getStatus() != null && get(Ingress.class, "steady-api") != null;
            });
    Thread.sleep(1500); // let the reconciles caused by our own writes settle
    drain();
    // an event on a child triggers a reconcile (metadata-only changes of the primary are filtered
    // by generation), but nothing the operator owns has changed
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName("steady-worker")
        .edit(
            d -> {
              d.getMetadata().setAnnotations(Map.of("example.com/touched", "yes"));
              return d;
            });
    Thread.sleep(3000);
    List<String> writes = new ArrayList<>();
    boolean ownEditSeen = false;
    for (RecordedRequest r : drain()) {
      if (r.getMethod().equals("GET")) {
        continue;
      }
      if (!ownEditSeen && r.getPath().contains("/deployments/steady-worker")) {
        ownEditSeen = true; // the test's edit above
        continue;
      }
      writes.add(r.getMethod() + " " + r.getPath());
    }
    assertThat(ownEditSeen).isTrue();
    assertThat(writes)
        .as("requests that write, after a reconcile with nothing to change")
        .isEmpty();
  }

  @Test
  void aMissingExternalSecretIsAConditionAndAnEventNotACrash() {
    apply(
        "ext",
        """
        image: app
        redis:
          mode: External
          external: {url: "redis://cache.example:6379/0", passwordSecretRef: {name: nowhere, key: password}}
        worker: {queue: {key: jobs}}
        """);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var redis = condition("ext", "RedisReady");
              assertThat(redis.getStatus()).isEqualTo("False");
              assertThat(redis.getReason()).isEqualTo("SecretNotFound");
              assertThat(redis.getMessage())
                  .contains("demo/nowhere", "spec.redis.external.passwordSecretRef");
            });
    assertThat(get(Deployment.class, "ext-worker")).as("other children are still made").isNotNull();
    assertThat(events.reasons()).contains(EventReason.SecretNotFound);
  }

  @Test
  void aPasswordSecretRefWithoutANameIsAConditionAndAnEventNotACrash() {
    // older CRDs accepted it; fabric8's withName(null) threw before the status was written
    apply(
        "noname",
        """
        image: app
        redis:
          mode: External
          external: {url: "redis://cache.example:6379/0", passwordSecretRef: {key: password}}
        worker: {queue: {key: jobs}}
        """);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var redis = condition("noname", "RedisReady");
              assertThat(redis.getStatus()).isEqualTo("False");
              assertThat(redis.getReason()).isEqualTo("InvalidSpec");
              assertThat(redis.getMessage()).contains("spec.redis.external.passwordSecretRef.name");
            });
    Deployment worker = get(Deployment.class, "noname-worker");
    assertThat(worker).as("other children are still made").isNotNull();
    assertThat(worker.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .as("no password reference without a Secret's name")
        .noneMatch(e -> e.getName().equals("REDIS_PASSWORD"));
    assertThat(events.reasons())
        .contains(EventReason.InvalidSpec)
        .doesNotContain(EventReason.ReconcileFailed);
  }

  @Test
  void aBehaviorTheScalerCannotUseIsAConditionAndAnEventNotAFailedReconcile() {
    apply(
        "odd",
        """
        image: app
        redis: {}
        api: {replicas: 1}
        worker:
          queue: {key: jobs}
          autoscaling: {behavior: {scaleUp: {policies: [{type: Pods, periodSeconds: 15}]}}}
        """);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var scaling = condition("odd", "ScalingActive");
              assertThat(scaling.getReason()).isEqualTo("InvalidSpec");
              assertThat(scaling.getMessage())
                  .contains("spec.worker.autoscaling.behavior.scaleUp.policies[0].value");
            });
    assertThat(events.reasons())
        .contains(EventReason.InvalidSpec)
        .doesNotContain(EventReason.ReconcileFailed);
    assertThat(get(Deployment.class, "odd-worker")).as("other children are still made").isNotNull();
    assertThat(get(Deployment.class, "odd-api")).isNotNull();
  }

  @Test
  void infeasiblePlacementWarnsButStillDeploys() {
    apply(
        "tight",
        """
        image: app
        api:
          replicas: 5
          placement: {antiAffinity: Required}
        """);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var placement = condition("tight", "PlacementFeasible");
              assertThat(placement.getStatus()).isEqualTo("False");
              assertThat(placement.getMessage()).contains("5 replicas", "3 are eligible");
            });
    assertThat(get(Deployment.class, "tight-api").getSpec().getReplicas()).isEqualTo(5);
    assertThat(events.reasons()).contains(EventReason.PlacementInfeasible);
  }

  private static List<RecordedRequest> drain() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      requests.add(r);
    }
    return requests;
  }

  /** Reads the managed Redis password. */
  static final class RedisPassword {
    static String of(Secret s) {
      return RedisResources.password(s);
    }
  }
}
