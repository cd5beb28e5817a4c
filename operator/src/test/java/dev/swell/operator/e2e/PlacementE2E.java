package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods land where placement says, scheduled by the real kube-scheduler on kind-shaped nodes. */
class PlacementE2E {

  static E2ECluster cluster;

  @BeforeAll
  static void start() {
    cluster = new E2ECluster("e2e-placement").startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static List<Pod> running(String service, String component, int count) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                cluster.pods(service, component).stream()
                        .filter(p -> "Running".equals(p.getStatus().getPhase()))
                        .count()
                    >= count);
    return cluster.pods(service, component);
  }

  static Condition condition(String service, String type) {
    ScalableService s = cluster.get(service);
    return s.getStatus() == null
        ? null
        : s.getStatus().conditions.stream()
            .filter(c -> c.getType().equals(type))
            .findFirst()
            .orElse(null);
  }

  @Test
  void sixApiReplicasSpreadTwoPerZone() {
    cluster.apply(
        "spread",
        """
        image: swell/sample-app:0.1.0
        api:
          replicas: 6
          placement:
            spread: [{topologyKey: topology.kubernetes.io/zone, maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]
        """);
    List<Pod> pods = running("spread", "api", 6);
    Map<String, Long> perZone =
        pods.stream()
            .collect(
                Collectors.groupingBy(
                    p -> cluster.zoneOf(p.getSpec().getNodeName()), Collectors.counting()));
    assertThat(perZone)
        .containsExactlyInAnyOrderEntriesOf(Map.of("zone-a", 2L, "zone-b", 2L, "zone-c", 2L));
    assertThat(pods)
        .noneSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("swell-worker4"));
  }

  @Test
  void requiredAntiAffinityBeyondTheNodesLeavesPodsPendingAndSaysSo() {
    cluster.apply(
        "tight",
        """
        image: swell/sample-app:0.1.0
        api:
          replicas: 5
          placement: {antiAffinity: Required}
        """);
    running("tight", "api", 3);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              List<Pod> pods = cluster.pods("tight", "api");
              assertThat(pods).hasSize(5);
              assertThat(pods.stream().filter(p -> "Pending".equals(p.getStatus().getPhase())))
                  .hasSize(2);
              assertThat(
                      pods.stream()
                          .map(p -> p.getSpec().getNodeName())
                          .filter(n -> n != null)
                          .distinct())
                  .hasSize(3);
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Condition c = condition("tight", "PlacementFeasible");
              assertThat(c).isNotNull();
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getMessage()).contains("5 replicas", "3 are eligible");
            });
    assertThat(cluster.client.v1().events().inNamespace(cluster.namespace).list().getItems())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("PlacementInfeasible");
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getInvolvedObject().getName()).isEqualTo("tight");
            });
  }

  @Test
  void onlyToleratingWorkersLandOnTheDedicatedNode() {
    cluster.apply(
        "dedicated",
        """
        image: swell/sample-app:0.1.0
        redis: {mode: External, external: {url: "redis://127.0.0.1:1/0"}}
        api:
          replicas: 4
        worker:
          queue: {key: dedicated-jobs}
          autoscaling: {minReplicas: 3, maxReplicas: 3}
          placement:
            dedicatedNodes: {key: dedicated, value: workers}
        """);
    List<Pod> workers = running("dedicated", "worker", 3);
    assertThat(workers)
        .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("swell-worker4"));
    List<Pod> api = running("dedicated", "api", 4);
    assertThat(api)
        .noneSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("swell-worker4"));
  }

  @Test
  void apiPodsColocateWithTheManagedRedis() {
    cluster.apply(
        "near",
        """
        image: swell/sample-app:0.1.0
        redis: {mode: Managed}
        api:
          replicas: 3
          placement: {colocateWithRedis: Required}
        """);
    Pod redis = running("near", "redis", 1).get(0);
    List<Pod> api = running("near", "api", 3);
    assertThat(api)
        .allSatisfy(
            p -> assertThat(p.getSpec().getNodeName()).isEqualTo(redis.getSpec().getNodeName()));
  }
}
