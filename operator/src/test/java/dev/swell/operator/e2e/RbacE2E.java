package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.OperatorSettings;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The RBAC of manifests/rbac is enough and no more: the operator, impersonating its ServiceAccount,
 * reconciles the shop sample completely (with leader election on), and cannot do what it does not
 * need; its Lease requests go to the API server's leader-election priority level.
 */
class RbacE2E {

  static final String SA = "system:serviceaccount:swell-system:swell-operator";
  static E2ECluster cluster;
  static KubernetesClient asOperator;

  @BeforeAll
  static void start() throws IOException {
    cluster = new E2ECluster("e2e-rbac");
    cluster
        .client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("swell-system").endMetadata().build())
        .serverSideApply();
    for (String dir : List.of("../manifests/rbac", "../manifests/admission")) {
      try (Stream<Path> files = Files.walk(Path.of(dir))) {
        for (Path f :
            files
                .filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml"))
                .toList()) {
          for (HasMetadata item : cluster.client.load(Files.newInputStream(f)).items()) {
            cluster.client.resource(item).forceConflicts().serverSideApply();
          }
        }
      }
    }
    Config config =
        new ConfigBuilder(Config.autoConfigure(null)).withImpersonateUsername(SA).build();
    asOperator = new KubernetesClientBuilder().withConfig(config).build();
    cluster.startOperator(
        asOperator,
        new OperatorSettings(
            Set.of(), true, "swell-operator-e2e", "swell-system", 0, Duration.ofMinutes(5)));
  }

  @AfterAll
  static void stop() {
    cluster.close();
    asOperator.close();
  }

  @Test
  void theOperatorReconcilesTheShopSampleWithOnlyItsServiceAccountsRights() throws IOException {
    for (HasMetadata item :
        cluster
            .client
            .load(Files.newInputStream(Path.of("../manifests/samples/shop.yaml")))
            .items()) {
      item.getMetadata().setNamespace(cluster.namespace);
      cluster.client.resource(item).serverSideApply();
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              assertThat(LifecycleE2E.names(childrenOf("shop")))
                  .containsExactly(
                      "Deployment/shop-api",
                      "Deployment/shop-redis",
                      "Deployment/shop-worker",
                      "HorizontalPodAutoscaler/shop-api",
                      "NetworkPolicy/shop-redis",
                      "PodDisruptionBudget/shop-api",
                      "PodDisruptionBudget/shop-worker",
                      "Secret/shop-redis-auth",
                      "Service/shop-api",
                      "Service/shop-redis");
              assertThat(
                      cluster
                          .client
                          .network()
                          .v1()
                          .ingresses()
                          .inNamespace(cluster.namespace)
                          .withName("shop-api")
                          .get())
                  .isNotNull();
              assertThat(
                      cluster
                          .client
                          .apps()
                          .deployments()
                          .inNamespace(cluster.namespace)
                          .withName("shop-api")
                          .get()
                          .getSpec()
                          .getTemplate()
                          .getMetadata()
                          .getLabels())
                  .as("the api's pods are admitted to Redis, under manifests/admission's policy")
                  .containsEntry("swell.dev/redis-client", "shop");
              ScalableService shop = cluster.get("shop");
              assertThat(shop.getStatus()).isNotNull();
              assertThat(shop.getStatus().observedGeneration)
                  .isEqualTo(shop.getMetadata().getGeneration());
            });
    assertThat(
            cluster
                .client
                .leases()
                .inNamespace("swell-system")
                .withName("swell-operator-e2e")
                .get())
        .as("leader election took the Lease")
        .isNotNull();
  }

  @Test
  void aUserWhoMayCreatePodsCannotGiveOneTheLabelThatAdmitsItToRedis() {
    // alice edits the namespace (the built-in edit role): pods, Deployments, Jobs
    cluster
        .client
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("alice-edits")
                .withNamespace(cluster.namespace)
                .endMetadata()
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole")
                .withName("edit")
                .endRoleRef()
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName("alice")
                .endSubject()
                .build())
        .serverSideApply();
    try (KubernetesClient alice =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.autoConfigure(null))
                    .withImpersonateUsername("alice")
                    .build())
            .build()) {
      Map<String, String> copied = Map.of("swell.dev/redis-client", "shop");
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName("copycat")
              .withNamespace(cluster.namespace)
              .withLabels(copied)
              .endMetadata()
              .withNewSpec()
              .addNewContainer()
              .withName("c")
              .withImage("swell/redis:0.1.0")
              .endContainer()
              .endSpec()
              .build();
      // an admission policy is enforced once the API server has compiled it and seen its binding
      // and parameter: until then a dry run of the pod goes through
      await("the admission policy in force")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                try {
                  alice.resource(pod).dryRun().create();
                  return false;
                } catch (KubernetesClientException e) {
                  return e.getCode() == 403 && e.getMessage().contains("swell.dev/redis-client");
                }
              });
      assertRefused(() -> alice.resource(pod).create());
      Deployment deployment =
          new DeploymentBuilder()
              .withNewMetadata()
              .withName("copycat")
              .withNamespace(cluster.namespace)
              .endMetadata()
              .withNewSpec()
              .withNewSelector()
              .withMatchLabels(Map.of("app", "copycat"))
              .endSelector()
              .withNewTemplate()
              .withNewMetadata()
              .withLabels(Map.of("app", "copycat", "swell.dev/redis-client", "shop"))
              .endMetadata()
              .withSpec(pod.getSpec())
              .endTemplate()
              .endSpec()
              .build();
      assertRefused(() -> alice.resource(deployment).create());
      Job job =
          new JobBuilder()
              .withNewMetadata()
              .withName("copycat")
              .withNamespace(cluster.namespace)
              .endMetadata()
              .withNewSpec()
              .withNewTemplate()
              .withNewMetadata()
              .withLabels(copied)
              .endMetadata()
              .withNewSpec()
              .withRestartPolicy("Never")
              .withContainers(pod.getSpec().getContainers())
              .endSpec()
              .endTemplate()
              .endSpec()
              .build();
      assertRefused(() -> alice.resource(job).create());
      // her own pod is fine; labelling it afterwards is not
      Pod plain =
          alice
              .resource(
                  new PodBuilder(pod)
                      .editMetadata()
                      .withName("plain")
                      .withLabels(Map.of("app", "plain"))
                      .endMetadata()
                      .build())
              .create();
      assertThat(plain.getMetadata().getUid()).isNotBlank();
      // a merge patch without a resourceVersion: the scheduler and the node change the new pod
      // meanwhile, and a read-modify-write (edit) could get a 409 instead of the refusal
      String labels =
          copied.entrySet().stream()
              .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
              .collect(Collectors.joining(","));
      assertRefused(
          () ->
              alice
                  .pods()
                  .inNamespace(cluster.namespace)
                  .withName("plain")
                  .patch(
                      PatchContext.of(PatchType.JSON_MERGE),
                      "{\"metadata\":{\"labels\":{" + labels + "}}}"));
    }
  }

  @Test
  void theOperatorsLeaseRequestsGoToTheLeaderElectionPriorityLevel() throws Exception {
    String leaderElection =
        cluster
            .client
            .flowControl()
            .v1()
            .priorityLevelConfigurations()
            .withName("leader-election")
            .get()
            .getMetadata()
            .getUid();
    assertThat(priorityLevel("apis/coordination.k8s.io/v1/namespaces/swell-system/leases"))
        .as("the priority level of the operator's Lease requests")
        .isEqualTo(leaderElection);
    assertThat(priorityLevel("apis/swell.dev/v1alpha1/scalableservices"))
        .as("the priority level of its other requests")
        .isNotNull()
        .isNotEqualTo(leaderElection);
  }

  /** The UID of the priority level the API server gave a GET of {@code path} by the operator. */
  static String priorityLevel(String path) throws Exception {
    HttpClient http = asOperator.getHttpClient();
    HttpResponse<String> response =
        http.sendAsync(
                http.newHttpRequestBuilder()
                    .uri(asOperator.getMasterUrl().toURI().resolve(path).toString())
                    .build(),
                String.class)
            .get(10, TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    return response.headers().entrySet().stream()
        .filter(h -> h.getKey().equalsIgnoreCase("X-Kubernetes-PF-PriorityLevel-UID"))
        .map(h -> h.getValue().get(0))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no priority level in " + response.headers()));
  }

  static void assertRefused(Runnable request) {
    assertThatThrownBy(request::run)
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("swell.dev/redis-client")
        .hasMessageContaining("alice")
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
  }

  static List<HasMetadata> childrenOf(String name) {
    return LifecycleE2E.children(cluster, name);
  }

  @ParameterizedTest(name = "cannot {0} {1}")
  @CsvSource({
    "create, clusterrolebindings, rbac.authorization.k8s.io",
    "delete, nodes, ''",
    "create, pods, ''",
    "delete, namespaces, ''",
    "update, customresourcedefinitions, apiextensions.k8s.io",
    "delete, scalableservices, swell.dev",
    "get, configmaps, ''",
    "create, serviceaccounts/token, ''"
  })
  void cannotDoWhatItDoesNotNeed(String verb, String resource, String group) {
    assertThat(allowed(verb, resource, group)).isFalse();
  }

  @ParameterizedTest(name = "can {0} {1}")
  @CsvSource({
    "patch, deployments, apps",
    "patch, pods, ''",
    "create, events, ''",
    "list, nodes, ''",
    "patch, scalableservices/status, swell.dev"
  })
  void canDoWhatItNeeds(String verb, String resource, String group) {
    assertThat(allowed(verb, resource, group)).isTrue();
  }

  /** What `kubectl auth can-i --as` answers, asked as the operator itself. */
  static boolean allowed(String verb, String resource, String group) {
    return canI(asOperator, verb, resource, group, cluster.namespace);
  }

  /** `kubectl auth can-i` as the client's user; a null namespace asks for every namespace. */
  static boolean canI(KubernetesClient as, String verb, String resource, String group, String ns) {
    String[] parts = resource.split("/");
    return as.authorization()
        .v1()
        .selfSubjectAccessReview()
        .create(
            new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withNewResourceAttributes()
                .withVerb(verb)
                .withResource(parts[0])
                .withSubresource(parts.length > 1 ? parts[1] : null)
                .withGroup(group)
                .withNamespace(ns)
                .endResourceAttributes()
                .endSpec()
                .build())
        .getStatus()
        .getAllowed();
  }
}
