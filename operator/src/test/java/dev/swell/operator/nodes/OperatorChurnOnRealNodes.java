package dev.swell.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's pods (manifests/sim: two replicas, leader election) killed with SIGKILL ten times
 * while ScalableServices come and go: it converges, with one of each child per service, nothing
 * left of the deleted ones, and one set of queue loops, on the leader.
 */
class OperatorChurnOnRealNodes {

  static final String NS = "real-churn";
  static final Map<String, String> OPERATOR = Map.of("app.kubernetes.io/name", "swell-operator");
  static final int SERVICES = 10;
  static final int LIVE = 3;

  static RealNodes nodes;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @BeforeAll
  static void deploy() {
    nodes = RealNodes.withTheOperatorAnd(NS);
  }

  @AfterAll
  static void remove() {
    if (nodes != null) {
      nodes.close(NS);
    }
  }

  /**
   * A worker-only service: a managed Redis and a worker Deployment at 0 while its queue is empty.
   */
  static void apply(String name) throws Exception {
    Path file = Files.createTempFile(name, ".yaml");
    Files.writeString(
        file,
        """
        apiVersion: swell.dev/v1alpha1
        kind: ScalableService
        metadata: {name: %s}
        spec:
          image: swell/sample-app:0.1.0
          redis: {mode: Managed}
          worker:
            queue: {key: jobs}
            autoscaling: {minReplicas: 0, maxReplicas: 2, pollInterval: 1s}
        """
            .formatted(name));
    RealNodes.kubectl("-n", NS, "apply", "--server-side", "-f", file.toString()).ok();
    Files.delete(file);
  }

  static String leaseHolder() {
    return String.valueOf(
        nodes
            .client
            .leases()
            .inNamespace("swell-system")
            .withName("swell-operator")
            .get()
            .getSpec()
            .getHolderIdentity());
  }

  static boolean running(Pod p) {
    return p.getStatus().getContainerStatuses() != null
        && !p.getStatus().getContainerStatuses().isEmpty()
        && p.getStatus().getContainerStatuses().get(0).getState().getRunning() != null;
  }

  /**
   * SIGKILL to an operator container: the leader's once a running replica holds the Lease (half the
   * time), else any running replica's; then its pod is deleted, as when its node dies, and the
   * Deployment starts a fresh one. (Killed in place ten times, the kubelet's crash-loop back-off
   * would hold the containers for minutes.)
   */
  static String killAnOperator(boolean leader) {
    Pod victim =
        await(leader ? "a running replica holding the Lease" : "a running replica")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    nodes.pods("swell-system", OPERATOR).stream()
                        .filter(OperatorChurnOnRealNodes::running)
                        .filter(p -> !leader || leaseHolder().contains(p.getMetadata().getName()))
                        .findFirst(),
                Optional::isPresent)
            .orElseThrow();
    RealNodes.crictl(
            victim.getSpec().getNodeName(),
            "stop",
            "--timeout",
            "0",
            victim
                .getStatus()
                .getContainerStatuses()
                .get(0)
                .getContainerID()
                .replace("containerd://", ""))
        .ok();
    RealNodes.kubectl(
            "-n", "swell-system", "delete", "pod", victim.getMetadata().getName(), "--wait=false")
        .ok();
    return victim.getMetadata().getName()
        + (leaseHolder().contains(victim.getMetadata().getName()) ? " (leader)" : "");
  }

  static List<String> names(Stream<? extends HasMetadata> children) {
    return children.map(c -> c.getMetadata().getName()).sorted().toList();
  }

  /** Everything in the namespace that carries the service's name label. */
  static List<String> childrenOf(String service) {
    Map<String, String> mine = Map.of("app.kubernetes.io/name", service);
    List<String> all = new ArrayList<>();
    all.addAll(
        names(
            nodes
                .client
                .apps()
                .deployments()
                .inNamespace(NS)
                .withLabels(mine)
                .list()
                .getItems()
                .stream()));
    all.addAll(
        names(nodes.client.services().inNamespace(NS).withLabels(mine).list().getItems().stream()));
    all.addAll(
        names(nodes.client.secrets().inNamespace(NS).withLabels(mine).list().getItems().stream()));
    all.addAll(
        names(
            nodes
                .client
                .network()
                .networkPolicies()
                .inNamespace(NS)
                .withLabels(mine)
                .list()
                .getItems()
                .stream()));
    return all;
  }

  /** swell_queue_loops of an operator pod, read from its own /metrics; -1 if it does not answer. */
  static long loops(Pod p) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + p.getStatus().getPodIP() + ":8080/metrics"))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.body()
          .lines()
          .filter(l -> l.startsWith("swell_queue_loops "))
          .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
          .findFirst()
          .orElse(-1);
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void killedTenTimesWhileServicesComeAndGoItConvergesWithOneOfEachAndNoOrphans() throws Exception {
    List<String> kills = new ArrayList<>();
    for (int i = 0; i < SERVICES; i++) {
      apply("churn-" + i);
      if (i >= LIVE) {
        RealNodes.kubectl(
                "-n", NS, "delete", "scalableservice", "churn-" + (i - LIVE), "--wait=false")
            .ok();
      }
      Thread.sleep(1_500); // mid-reconcile
      kills.add(killAnOperator(i % 2 == 0));
    }
    System.out.println("operator containers killed: " + kills);
    assertThat(kills.stream().filter(k -> k.endsWith("(leader)")))
        .as("kills of the leader")
        .hasSizeGreaterThanOrEqualTo(SERVICES / 2);
    await("the operator's replicas back")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(nodes.pods("swell-system", OPERATOR))
                    .hasSize(2)
                    .allMatch(RealNodes::ready, "Ready"));
    await("converged")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              for (int i = 0; i < SERVICES - LIVE; i++) {
                String gone = "churn-" + i;
                assertThat(
                        nodes
                            .client
                            .genericKubernetesResources("swell.dev/v1alpha1", "ScalableService")
                            .inNamespace(NS)
                            .withName(gone)
                            .get())
                    .as("deleted ScalableService %s", gone)
                    .isNull();
                assertThat(childrenOf(gone)).as("what is left of %s", gone).isEmpty();
              }
              for (int i = SERVICES - LIVE; i < SERVICES; i++) {
                String live = "churn-" + i;
                GenericKubernetesResource s =
                    nodes
                        .client
                        .genericKubernetesResources("swell.dev/v1alpha1", "ScalableService")
                        .inNamespace(NS)
                        .withName(live)
                        .get();
                Object observed =
                    s.getAdditionalProperties().get("status") instanceof Map<?, ?> st
                        ? st.get("observedGeneration")
                        : null;
                assertThat(observed).as("%s status.observedGeneration", live).isNotNull();
                assertThat(childrenOf(live))
                    .as("children of %s", live)
                    .containsExactlyInAnyOrder(
                        live + "-worker",
                        live + "-redis",
                        live + "-redis",
                        live + "-redis-auth",
                        live + "-redis");
              }
              List<Long> loops =
                  nodes.pods("swell-system", OPERATOR).stream()
                      .map(OperatorChurnOnRealNodes::loops)
                      .sorted()
                      .toList();
              assertThat(loops)
                  .as("queue loops of each operator replica: the leader's, one per live service")
                  .containsExactly(0L, (long) LIVE);
            });
  }
}
