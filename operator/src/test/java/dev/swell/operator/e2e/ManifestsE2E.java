package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kustomize overlay builds, and what it builds passes a server-side dry run. */
class ManifestsE2E {

  static E2ECluster cluster;

  @BeforeAll
  static void start() {
    cluster = new E2ECluster("e2e-manifests");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String kustomize(String dir) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                System.getenv().getOrDefault("KUBECTL", "kubectl"), "kustomize", "../" + dir)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize %s:%n%s", dir, out).isZero();
    return out;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"manifests", "manifests/namespaced", "manifests/sim", "manifests/samples", "crds"})
  void buildsAndPassesAServerSideDryRun(String dir) throws Exception {
    List<HasMetadata> items =
        cluster
            .client
            .load(new ByteArrayInputStream(kustomize(dir).getBytes(StandardCharsets.UTF_8)))
            .items();
    assertThat(items).isNotEmpty();
    // a dry run creates nothing, so the namespaces the manifests declare must exist for their
    // namespaced objects to be judged, as they would after a real apply
    for (HasMetadata item : items) {
      if ("Namespace".equals(item.getKind())) {
        cluster.client.resource(item).forceConflicts().serverSideApply();
      }
    }
    // the namespaced install's watched namespaces are the user's, there before it is applied
    items.stream()
        .map(i -> i.getMetadata().getNamespace())
        .filter(ns -> ns != null && !ns.equals("swell-system"))
        .distinct()
        .forEach(
            ns ->
                cluster
                    .client
                    .resource(
                        new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .serverSideApply());
    for (HasMetadata item : items) {
      if (item.getMetadata().getNamespace() == null && namespaced(item)) {
        item.getMetadata().setNamespace(cluster.namespace);
      }
      assertThat(cluster.client.resource(item).dryRun().serverSideApply())
          .as(item.getKind() + "/" + item.getMetadata().getName())
          .isNotNull();
    }
  }

  /** Whether the API server keeps this kind per namespace (its discovery says so). */
  static boolean namespaced(HasMetadata item) {
    return cluster.client.getApiResources(item.getApiVersion()).getResources().stream()
        .filter(r -> r.getKind().equals(item.getKind()) && !r.getName().contains("/"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the API server has no " + item.getKind()))
        .getNamespaced();
  }

  @ParameterizedTest
  @ValueSource(strings = {"manifests/monitoring"})
  void optionalOverlaysBuild(String dir) throws Exception {
    assertThat(kustomize(dir)).contains("kind: ServiceMonitor");
  }

  @Test
  void theSimulatedClustersInstallIsTheInstallWithOnlyTheRedisImageSet() throws Exception {
    String plain = kustomize("manifests");
    String sim = kustomize("manifests/sim");
    assertThat(sim)
        .contains("- name: SWELL_REDIS_IMAGE\n          value: swell/redis:0.1.0\n")
        .as("nothing else differs")
        .isEqualTo(
            plain.replaceFirst(
                "(        - name: JAVA_TOOL_OPTIONS\n          value: [^\n]*\n)",
                "$1        - name: SWELL_REDIS_IMAGE\n          value: swell/redis:0.1.0\n"));
  }
}
