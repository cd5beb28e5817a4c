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
import dev.swell.operator.events.EventReason;
import dev.swell.operator.scaling.KubernetesReplicaRealizer;
import dev.swell.operator.sharding.Ownership;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator against a real kube-apiserver (no controllers, no nodes): server-side apply
 * ownership lets the HPA's and the queue and api autoscalers' replica writes survive reconciles,
 * children carry owner references, and a reconcile with nothing to change writes nothing.
 */
@EnableKubeAPIServer(kubeAPIVersion = ApiServer.VERSION)
class ServerSideApplyIT {

  static KubernetesClient client;
  static Operator operator;
  static final String NS = "ssa";
  static final FixedWorkerScaling SCALING = new FixedWorkerScaling();
  static final RecordingEventSink EVENTS = new RecordingEventSink();
  static final FixedApiScaling API_SCALING = new FixedApiScaling();

  /** A Celery-style worker of the user's own: command, a sidecar, a volume, its own probe. */
  static final String OWN =
      """
      image: registry.example/shop:2
      redis: {}
      api: {replicas: 1}
      worker:
        queue: {key: celery}
        podTemplate:
          metadata: {annotations: {example.com/team: payments}}
          spec:
            containers:
              - name: worker
                command: [celery, -A, shop.tasks, worker]
                readinessProbe: {exec: {command: [celery, inspect, ping]}, periodSeconds: 10}
                volumeMounts: [{name: cache, mountPath: /var/cache/shop}]
              - name: log-shipper
                image: fluent/fluent-bit:3
                env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
            volumes: [{name: cache, emptyDir: {}}]
      """;

  static final String SHOP =
      """
      image: swell/sample-app:0.1.0
      redis: {mode: Managed}
      api:
        autoscaling: {minReplicas: 2, maxReplicas: 6, cpuUtilization: 70}
      worker:
        queue: {key: jobs}
        autoscaling: {minReplicas: 0, maxReplicas: 5}
      """;

  @BeforeAll
  static void start() {
    Crds.install(client);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    operator =
        OperatorAssembly.operator(
            client,
            new OperatorSettings(Set.of(), false, "l", NS, 0, Duration.ZERO),
            new SimpleMeterRegistry(),
            SCALING,
            API_SCALING,
            EVENTS,
            Fixtures::kindNodes,
            Clock.systemUTC(),
            true,
            () -> {},
            Ownership.ALL,
            null);
    operator.start();
  }

  @AfterAll
  static void stop() {
    operator.stop();
  }

  static ScalableService apply(String name, String spec) {
    ScalableService s = Fixtures.service(spec);
    s.getMetadata().setName(name);
    s.getMetadata().setNamespace(NS);
    s.getMetadata().setUid(null);
    s.getMetadata().setGeneration(null);
    return client.resource(s).forceConflicts().serverSideApply();
  }

  static <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  static void awaitChildren(String name) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                get(Deployment.class, name + "-api") != null
                    && get(Deployment.class, name + "-worker") != null
                    && get(HorizontalPodAutoscaler.class, name + "-api") != null
                    && get(ScalableService.class, name).getStatus() != null);
  }

  /** What the HPA controller does: write spec.replicas through the scale subresource. */
  static void scaleAs(String deployment, int replicas, String fieldManager) {
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName(deployment)
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.JSON_MERGE)
                .withFieldManager(fieldManager)
                .build(),
            "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  @Test
  void aSecretItsOwnerDidNotLabelIsNeitherReadNorHandedToThePods() {
    // a user who may create a ScalableService but not read Secrets names someone else's
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("not-for-swell")
                .withNamespace(NS)
                .endMetadata()
                .withStringData(Map.of("password", "s3cret"))
                .build())
        .create();
    apply(
        "deputy",
        """
        image: swell/sample-app:0.1.0
        redis: {mode: External, external: {url: "redis://attacker.example:6379", passwordSecretRef: {name: not-for-swell, key: password}}}
        worker: {queue: {key: jobs}}
        """);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get(ScalableService.class, "deputy").getStatus())
                    .isNotNull()
                    .extracting(st -> st.conditions)
                    .asInstanceOf(InstanceOfAssertFactories.list(Condition.class))
                    .filteredOn(c -> c.getType().equals("RedisReady"))
                    .singleElement()
                    .satisfies(
                        c -> {
                          assertThat(c.getReason()).isEqualTo("SecretNotAllowed");
                          assertThat(c.getMessage())
                              .contains("not-for-swell", "swell.dev/redis-password=true");
                        }));
    assertThat(SCALING.tracked.keySet())
        .as("no loop reads the queue with it")
        .noneMatch(id -> id.getName().equals("deputy"));
    Deployment worker = get(Deployment.class, "deputy-worker");
    assertThat(worker.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .as("nor do the pods get it")
        .noneMatch(e -> e.getName().equals("REDIS_PASSWORD"));

    // its owner allows Swell: the pods get it, and the queue is read
    client
        .secrets()
        .inNamespace(NS)
        .withName("not-for-swell")
        .edit(
            sec -> {
              sec.getMetadata().setLabels(Map.of("swell.dev/redis-password", "true"));
              return sec;
            });
    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              assertThat(SCALING.tracked.keySet()).anyMatch(id -> id.getName().equals("deputy"));
              assertThat(
                      get(Deployment.class, "deputy-worker")
                          .getSpec()
                          .getTemplate()
                          .getSpec()
                          .getContainers()
                          .get(0)
                          .getEnv())
                  .anyMatch(e -> e.getName().equals("REDIS_PASSWORD"));
            });
  }

  @Test
  void anObjectSwellDidNotMakeIsNeverTakenOverNorDeleted() {
    // someone's own Secret that happens to have the name Swell would give the managed Redis' one,
    // even with Swell's labels copied onto it
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("theirs-redis-auth")
                .withNamespace(NS)
                .withLabels(Map.of("app.kubernetes.io/managed-by", "swell-operator"))
                .endMetadata()
                .withStringData(Map.of("password", "their-own"))
                .build())
        .create();
    apply("theirs", SHOP);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ScalableService s = get(ScalableService.class, "theirs");
              assertThat(s.getStatus()).isNotNull();
              assertThat(s.getStatus().conditions)
                  .filteredOn(c -> c.getType().equals("Ready"))
                  .singleElement()
                  .satisfies(
                      c -> {
                        assertThat(c.getReason()).isEqualTo("ChildConflict");
                        assertThat(c.getMessage())
                            .contains("Secret ssa/theirs-redis-auth", "rename or delete it");
                      });
            });
    assertThat(get(Deployment.class, "theirs-api")).as("the other children are made").isNotNull();
    Secret theirs = get(Secret.class, "theirs-redis-auth");
    assertThat(theirs.getMetadata().getOwnerReferences()).as("not adopted").isNullOrEmpty();
    assertThat(new String(Base64.getDecoder().decode(theirs.getData().get("password"))))
        .isEqualTo("their-own");

    apply("theirs", "image: swell/sample-app:0.1.0\nredis: {mode: None}\napi: {replicas: 1}");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(Deployment.class, "theirs-redis") == null);
    assertThat(get(Secret.class, "theirs-redis-auth"))
        .as("nor deleted with the managed Redis")
        .isNotNull();
  }

  @Test
  void childrenAreOwnedByTheScalableService() {
    apply("owned", SHOP);
    awaitChildren("owned");
    await().atMost(Duration.ofSeconds(30)).until(() -> versions("owned").size() == 11);
    ScalableService owner = get(ScalableService.class, "owned");
    for (HasMetadata child :
        List.<HasMetadata>of(
            get(Deployment.class, "owned-api"),
            get(Deployment.class, "owned-worker"),
            get(Deployment.class, "owned-redis"),
            get(Service.class, "owned-api"),
            get(Service.class, "owned-redis"),
            get(Secret.class, "owned-redis-auth"),
            get(NetworkPolicy.class, "owned-redis"),
            get(HorizontalPodAutoscaler.class, "owned-api"),
            get(PodDisruptionBudget.class, "owned-api"),
            get(PodDisruptionBudget.class, "owned-worker"))) {
      assertThat(child.getMetadata().getOwnerReferences())
          .as(child.getKind() + " " + child.getMetadata().getName())
          .singleElement()
          .satisfies(
              ref -> {
                assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
                assertThat(ref.getController()).isTrue();
              });
    }
  }

  @Test
  void theHpasAndTheQueueAutoscalersReplicasSurviveReconciles() {
    apply("owners", SHOP);
    awaitChildren("owners");
    scaleAs("owners-api", 5, "kube-controller-manager");
    scaleAs("owners-worker", 4, "swell-queue-autoscaler");

    apply("owners", SHOP.replace("swell/sample-app:0.1.0", "swell/sample-app:0.1.1"));
    awaitImage("owners-api", "swell/sample-app:0.1.1");
    awaitImage("owners-worker", "swell/sample-app:0.1.1");
    assertThat(get(Deployment.class, "owners-api").getSpec().getReplicas())
        .as("the HPA's write")
        .isEqualTo(5);
    assertThat(get(Deployment.class, "owners-worker").getSpec().getReplicas())
        .as("the autoscaler's write")
        .isEqualTo(4);
    assertTheOperatorsApplyLeavesReplicasAlone("owners-api");
  }

  static final String API_BY_SWELL =
      """
      image: swell/sample-app:0.1.0
      api:
        autoscaling:
          minReplicas: 1
          maxReplicas: 6
          metrics: [{type: concurrency, target: 4}]
      """;

  @Test
  void theApiAutoscalersReplicasSurviveReconcilesAndNoHpaIsMade() {
    apply("byswell", API_BY_SWELL);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                get(Deployment.class, "byswell-api") != null
                    && get(ScalableService.class, "byswell").getStatus() != null);
    new KubernetesReplicaRealizer(client, KubernetesReplicaRealizer.API_FIELD_MANAGER)
        .scale(NS, "byswell-api", 3);

    apply("byswell", API_BY_SWELL.replace("sample-app:0.1.0", "sample-app:0.1.1"));
    awaitImage("byswell-api", "swell/sample-app:0.1.1");
    assertThat(get(Deployment.class, "byswell-api").getSpec().getReplicas())
        .as("the api autoscaler's write")
        .isEqualTo(3);
    assertThat(get(Deployment.class, "byswell-api").getMetadata().getManagedFields())
        .filteredOn(f -> KubernetesReplicaRealizer.API_FIELD_MANAGER.equals(f.getManager()))
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.getFieldsV1().getAdditionalProperties().toString())
                    .contains("f:replicas"));
    assertTheOperatorsApplyLeavesReplicasAlone("byswell-api");
    assertThat(get(HorizontalPodAutoscaler.class, "byswell-api")).as("no HPA").isNull();
    assertThat(API_SCALING.tracked)
        .contains(ResourceID.fromResource(get(ScalableService.class, "byswell")));
  }

  @Test
  void switchingTheApiFromCpuToSwellsMetricsDeletesItsHpa() {
    String cpu =
        API_BY_SWELL.replace("metrics: [{type: concurrency, target: 4}]", "cpuUtilization: 70");
    apply("switch", cpu);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(HorizontalPodAutoscaler.class, "switch-api") != null);
    scaleAs("switch-api", 2, "kube-controller-manager");

    apply("switch", API_BY_SWELL);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get(HorizontalPodAutoscaler.class, "switch-api"))
                    .as("the HPA made for cpuUtilization")
                    .isNull());
    assertThat(API_SCALING.tracked)
        .contains(ResourceID.fromResource(get(ScalableService.class, "switch")));
    assertThat(get(Deployment.class, "switch-api").getSpec().getReplicas())
        .as("the switch itself leaves the count where it was")
        .isEqualTo(2);
    assertTheOperatorsApplyLeavesReplicasAlone("switch-api");
  }

  static void awaitImage(String deployment, String image) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        get(Deployment.class, deployment)
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getImage())
                    .isEqualTo(image));
  }

  /** The operator's server-side apply owns no spec.replicas, so it never resets another's. */
  static void assertTheOperatorsApplyLeavesReplicasAlone(String deployment) {
    assertThat(get(Deployment.class, deployment).getMetadata().getManagedFields())
        .filteredOn(f -> "swell-operator".equals(f.getManager()))
        .isNotEmpty()
        .allSatisfy(
            f ->
                assertThat(f.getFieldsV1().getAdditionalProperties().toString())
                    .doesNotContain("f:replicas"));
  }

  @Test
  void aReconcileWithNothingToChangeWritesNothing() throws InterruptedException {
    apply("steady", SHOP);
    awaitChildren("steady");
    await().atMost(Duration.ofSeconds(30)).until(() -> versions("steady").size() == 11);
    assertANoOpReconcileWritesNothing("steady");
  }

  /** A change on a child triggers a reconcile, with nothing the operator owns to change. */
  static void assertANoOpReconcileWritesNothing(String name) throws InterruptedException {
    Thread.sleep(3000); // let the reconciles caused by the operator's own writes settle
    Map<String, String> before = versions(name);
    client
        .services()
        .inNamespace(NS)
        .withName(name + "-api")
        .edit(
            s -> {
              s.getMetadata().setAnnotations(Map.of("example.com/touched", "yes"));
              return s;
            });
    Thread.sleep(4000);
    Map<String, String> after = versions(name);
    before.remove("Service/" + name + "-api");
    after.remove("Service/" + name + "-api");
    assertThat(after).as("resourceVersions after a no-op reconcile").isEqualTo(before);
  }

  @Test
  void aPodTemplateOfTheUsersReconcilesAndANoOpReconcileWritesNothing()
      throws InterruptedException {
    apply("own", OWN);
    await().atMost(Duration.ofSeconds(30)).until(() -> get(Deployment.class, "own-worker") != null);
    var pod = get(Deployment.class, "own-worker").getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).extracting("name").containsExactly("worker", "log-shipper");
    assertThat(pod.getContainers().get(0).getCommand()).startsWith("celery");
    assertThat(pod.getContainers().get(0).getReadinessProbe().getExec().getCommand())
        .containsExactly("celery", "inspect", "ping");
    assertThat(pod.getVolumes()).extracting("name").contains("cache", "tmp");
    assertANoOpReconcileWritesNothing("own");
    long generation = get(Deployment.class, "own-worker").getMetadata().getGeneration();
    apply("own", OWN.replace("example.com/team: payments", "example.com/team: billing"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get(Deployment.class, "own-worker").getMetadata().getGeneration())
                    .as("a changed template rolls the Deployment")
                    .isGreaterThan(generation));
  }

  @Test
  void aPrivilegedSidecarIsAnInvalidSpecAndTheWorkerKeepsItsLastGoodTemplate() {
    apply("priv", OWN);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(Deployment.class, "priv-worker") != null);
    var good = get(Deployment.class, "priv-worker").getSpec().getTemplate();
    apply(
        "priv",
        OWN.replace(
            "image: fluent/fluent-bit:3",
            "image: fluent/fluent-bit:3\n          securityContext: {privileged: true}"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var ready =
                  get(ScalableService.class, "priv").getStatus().conditions.stream()
                      .filter(c -> c.getType().equals("Ready"))
                      .findFirst()
                      .orElseThrow();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("InvalidSpec");
              assertThat(ready.getMessage())
                  .contains(
                      "spec.worker.podTemplate.spec.containers[1].securityContext.privileged");
            });
    assertThat(EVENTS.reasons()).contains(EventReason.InvalidSpec);
    assertThat(get(Deployment.class, "priv-worker").getSpec().getTemplate())
        .as("the last good template")
        .isEqualTo(good);
    assertThat(get(Deployment.class, "priv-api")).as("the other children are made").isNotNull();
  }

  /**
   * What the API server would refuse in a child, though the CRD takes it (its core/v1 types are too
   * costly for CEL): the operator names the field, and builds the other children.
   */
  static Stream<Arguments> refusedInAChild() {
    return Stream.of(
        Arguments.of(
            "toleration",
            "api: {replicas: 1, placement: {tolerations: [{key: gpu, operator: Within}]}}",
            "spec.api.placement.tolerations[0].operator must be Equal or Exists"),
        Arguments.of(
            "affinity",
            "api: {replicas: 1}\nplacement: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:"
                + " {nodeSelectorTerms: [{matchExpressions: [{key: disk, operator: Near, values: [ssd]}]}]}}}",
            "spec.placement.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                + ".nodeSelectorTerms[0].matchExpressions[0].operator"),
        Arguments.of(
            "selector",
            "api: {replicas: 1, placement: {nodeSelector: {disk: 'fast ssd'}}}",
            "spec.api.placement.nodeSelector[disk] must be a label value"),
        Arguments.of(
            "envname",
            "api: {replicas: 1, env: [{name: 'A=B', value: x}]}",
            "spec.api.env[0].name must be printable ASCII without '='"),
        Arguments.of(
            "quantity",
            "api: {replicas: 1, resources: {limits: {cpu: lots}}}",
            "spec.api.resources.limits.cpu must be a quantity"),
        Arguments.of(
            "requests",
            "api: {replicas: 1, resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}}",
            "spec.api.resources.requests.memory (2Gi) must not exceed limits.memory (1Gi)"),
        Arguments.of(
            "hpabehavior",
            "api: {autoscaling: {minReplicas: 1, maxReplicas: 3, cpuUtilization: 70, behavior:"
                + " {scaleUp: {policies: [{type: Pods, value: 0, periodSeconds: 15}]}}}}",
            "spec.api.autoscaling.behavior.scaleUp.policies[0].value must be > 0"),
        Arguments.of(
            "redismemory",
            "api: {replicas: 1}\nredis: {managed: {resources: {requests: {memory: -1Gi}}}}",
            "spec.redis.managed.resources.requests.memory must not be negative"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedInAChild")
  void whatTheClusterWouldRefuseInAChildIsAnInvalidSpecNamingTheField(
      String name, String spec, String message) {
    apply(
        "refused-" + name, "image: app\n" + (spec.contains("redis:") ? "" : "redis: {}\n") + spec);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ScalableService s = get(ScalableService.class, "refused-" + name);
              assertThat(s.getStatus()).isNotNull();
              assertThat(s.getStatus().conditions)
                  .as("conditions")
                  .anyMatch(
                      c ->
                          "InvalidSpec".equals(c.getReason())
                              && "False".equals(c.getStatus())
                              && c.getMessage().contains(message));
            });
    assertThat(EVENTS.reasons()).contains(EventReason.InvalidSpec);
  }

  /** kind/name -> resourceVersion of the ScalableService and each child that exists. */
  private static Map<String, String> versions(String name) {
    Map<String, String> v = new LinkedHashMap<>();
    for (HasMetadata r :
        Arrays.<HasMetadata>asList(
            get(ScalableService.class, name),
            get(Deployment.class, name + "-api"),
            get(Deployment.class, name + "-worker"),
            get(Deployment.class, name + "-redis"),
            get(Service.class, name + "-api"),
            get(Service.class, name + "-redis"),
            get(Secret.class, name + "-redis-auth"),
            get(NetworkPolicy.class, name + "-redis"),
            get(HorizontalPodAutoscaler.class, name + "-api"),
            get(PodDisruptionBudget.class, name + "-api"),
            get(PodDisruptionBudget.class, name + "-worker"))) {
      if (r != null) {
        v.put(r.getKind() + "/" + r.getMetadata().getName(), r.getMetadata().getResourceVersion());
      }
    }
    return v;
  }
}
