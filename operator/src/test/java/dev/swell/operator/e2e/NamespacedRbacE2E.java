package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.OperatorSettings;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The namespaced install (manifests/namespaced) is enough in the namespace it watches and gives
 * nothing outside it: the operator, impersonating that install's ServiceAccount (in a namespace of
 * its own here, so the cluster-wide install RbacE2E applies does not lend it rights), reconciles
 * the shop sample with namespaced informers only, and cannot read Secrets or patch Pods elsewhere.
 */
class NamespacedRbacE2E {

  static final String OPERATOR_NS = "swell-ns-e2e";
  static final String SA = "system:serviceaccount:" + OPERATOR_NS + ":swell-operator";
  static E2ECluster cluster;
  static KubernetesClient asOperator;

  @BeforeAll
  static void start() throws IOException {
    cluster = new E2ECluster("e2e-rbac-ns");
    cluster
        .client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(OPERATOR_NS).endMetadata().build())
        .serverSideApply();
    for (String file :
        List.of(
            "rbac/common/serviceaccount.yaml",
            "rbac/common/leader-election-role.yaml",
            "namespaced/nodes.yaml",
            "namespaced/watched-namespace.yaml")) {
      for (HasMetadata item :
          cluster.client.load(Files.newInputStream(Path.of("../manifests", file))).items()) {
        // the install as documented, moved to this test's namespaces
        if (item.getMetadata().getNamespace() != null) {
          item.getMetadata()
              .setNamespace(
                  "demo".equals(item.getMetadata().getNamespace())
                      ? cluster.namespace
                      : OPERATOR_NS);
        }
        if (item instanceof RoleBinding rb) {
          rb.getSubjects().forEach(s -> s.setNamespace(OPERATOR_NS));
          rb.getMetadata().setName(rb.getMetadata().getName() + "-ns-e2e");
        }
        if (item instanceof ClusterRoleBinding crb) {
          crb.getSubjects().forEach(s -> s.setNamespace(OPERATOR_NS));
          crb.getMetadata().setName(crb.getMetadata().getName() + "-ns-e2e");
        }
        cluster.client.resource(item).forceConflicts().serverSideApply();
      }
    }
    // the admission policy on swell.dev/redis-client, with this install's operator among the
    // trusted, as its comment tells whoever installs the operator elsewhere
    cluster
        .client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("swell-system").endMetadata().build())
        .serverSideApply();
    for (HasMetadata item :
        cluster
            .client
            .load(Files.newInputStream(Path.of("../manifests/admission/redis-client-label.yaml")))
            .items()) {
      if (item instanceof ConfigMap trusted) {
        trusted.getData().merge("trusted", SA, (a, b) -> a + "," + b);
      }
      cluster.client.resource(item).forceConflicts().serverSideApply();
    }
    Config config =
        new ConfigBuilder(Config.autoConfigure(null)).withImpersonateUsername(SA).build();
    asOperator = new KubernetesClientBuilder().withConfig(config).build();
    cluster.startOperator(
        asOperator,
        new OperatorSettings(
            Set.of(cluster.namespace),
            true,
            "swell-operator-ns-e2e",
            OPERATOR_NS,
            0,
            Duration.ofMinutes(5)));
  }

  @AfterAll
  static void stop() {
    cluster.client.namespaces().withName(OPERATOR_NS).delete();
    cluster.close();
    asOperator.close();
  }

  @Test
  void theOperatorReconcilesTheShopSampleInTheNamespaceItWatches() throws IOException {
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
              assertThat(LifecycleE2E.names(LifecycleE2E.children(cluster, "shop")))
                  .contains(
                      "Deployment/shop-api", "Deployment/shop-worker", "Secret/shop-redis-auth");
              ScalableService shop = cluster.get("shop");
              assertThat(shop.getStatus()).isNotNull();
              assertThat(shop.getStatus().observedGeneration)
                  .isEqualTo(shop.getMetadata().getGeneration());
            });
  }

  @ParameterizedTest(name = "cannot {0} {1} in {3}")
  @CsvSource({
    "get, secrets, '', default",
    "list, secrets, '', ''",
    "patch, pods, '', default",
    "list, deployments, apps, ''",
    "patch, deployments, apps, kube-system",
    "list, scalableservices, swell.dev, ''",
    "create, events, '', default"
  })
  void cannotReachOutsideTheWatchedNamespace(
      String verb, String resource, String group, String ns) {
    assertThat(allowed(verb, resource, group, ns)).isFalse();
  }

  @ParameterizedTest(name = "can {0} {1}")
  @CsvSource({
    "patch, deployments, apps",
    "patch, pods, ''",
    "get, secrets, ''",
    "create, events, ''",
    "patch, scalableservices/status, swell.dev"
  })
  void canDoWhatItNeedsInTheWatchedNamespace(String verb, String resource, String group) {
    assertThat(allowed(verb, resource, group, cluster.namespace)).isTrue();
  }

  @Test
  void nodesAreItsOnlyClusterWideRead() {
    assertThat(allowed("list", "nodes", "", "")).isTrue();
    assertThat(allowed("patch", "nodes", "", "")).isFalse();
  }

  /** What `kubectl auth can-i --as` answers, asked as the operator; "" = every namespace. */
  static boolean allowed(String verb, String resource, String group, String ns) {
    return RbacE2E.canI(asOperator, verb, resource, group, ns.isEmpty() ? null : ns);
  }
}
