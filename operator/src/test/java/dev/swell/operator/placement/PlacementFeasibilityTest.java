package dev.swell.operator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementFeasibilityTest {

  static final List<Node> KIND = Fixtures.kindNodes();

  static PodPlacement placement(String yaml) {
    return PlacementRules.translate(
        PlacementRulesTest.placement(yaml), PlacementRulesTest.OWN, null);
  }

  @Test
  void aPlainPlacementFitsTheKindCluster() {
    assertThat(PlacementFeasibility.problems("api", placement("antiAffinity: Preferred"), 10, KIND))
        .isEmpty();
  }

  @Test
  void requiredAntiAffinityWithMoreReplicasThanEligibleNodesIsReported() {
    // the dedicated node is tainted: only three nodes are eligible for 5 replicas
    assertThat(PlacementFeasibility.problems("api", placement("antiAffinity: Required"), 5, KIND))
        .singleElement()
        .asString()
        .contains(
            "api",
            "Required anti-affinity",
            "5 replicas",
            "3 are eligible",
            "2 would stay Pending");
  }

  @Test
  void requiredAntiAffinityWithinTheNodeCountFits() {
    assertThat(PlacementFeasibility.problems("api", placement("antiAffinity: Required"), 3, KIND))
        .isEmpty();
  }

  @Test
  void dedicatedNodesThatMatchNoNodeAreReported() {
    assertThat(
            PlacementFeasibility.problems(
                "worker", placement("dedicatedNodes: {key: dedicated, value: gpu}"), 2, KIND))
        .anySatisfy(p -> assertThat(p).contains("worker: no node matches"))
        .hasSize(1);
  }

  @Test
  void dedicatedNodesThatExistFit() {
    assertThat(
            PlacementFeasibility.problems(
                "worker", placement("dedicatedNodes: {key: dedicated, value: workers}"), 20, KIND))
        .isEmpty();
  }

  @Test
  void aTolerationNoTaintNeedsIsReported() {
    assertThat(
            PlacementFeasibility.problems(
                "api",
                placement(
                    "tolerations: [{key: gpu, operator: Equal, value: \"true\", effect: NoSchedule}]"),
                2,
                KIND))
        .singleElement()
        .asString()
        .contains("toleration gpu=true:NoSchedule matches no node's taint");
  }

  @Test
  void aHardSpreadOverALabelNoNodeHasIsReported() {
    assertThat(
            PlacementFeasibility.problems(
                "api",
                placement(
                    "spread: [{topologyKey: example.com/rack, whenUnsatisfiable: DoNotSchedule}]"),
                2,
                KIND))
        .singleElement()
        .asString()
        .contains("example.com/rack");
  }

  @Test
  void nodeSelectorsAndCordonedNodesNarrowTheEligibleSet() {
    Node cordoned = Fixtures.node("cordoned", Map.of("disktype", "ssd"), null, null);
    cordoned.getSpec().setUnschedulable(true);
    Node ssd = Fixtures.node("ssd", Map.of("disktype", "ssd"), null, null);
    PodPlacement p = placement("nodeSelector: {disktype: ssd}\nantiAffinity: Required");
    assertThat(PlacementFeasibility.eligible(p, cordoned)).isFalse();
    assertThat(PlacementFeasibility.eligible(p, ssd)).isTrue();
    assertThat(PlacementFeasibility.problems("api", p, 2, List.of(cordoned, ssd))).hasSize(1);
  }

  @Test
  void noNodesAtAllMeansNothingCanRun() {
    assertThat(PlacementFeasibility.problems("api", placement("antiAffinity: None"), 1, List.of()))
        .singleElement()
        .asString()
        .contains("no node matches");
  }
}
