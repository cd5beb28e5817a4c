package dev.swell.operator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.Placement;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementRulesTest {

  static final Map<String, String> OWN =
      Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/component", "worker");
  static final Map<String, String> REDIS =
      Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/component", "redis");

  static Placement placement(String yaml) {
    ScalableService s = Fixtures.service("image: app\nplacement:\n" + yaml.indent(2));
    return s.getSpec().placement;
  }

  @Test
  void noPlacementLeavesThePodSpecAlone() {
    PodPlacement p = PlacementRules.translate(null, OWN, REDIS);
    assertThat(p.affinity()).isNull();
    assertThat(p.tolerations()).isEmpty();
    assertThat(p.topologySpreadConstraints()).isEmpty();
    assertThat(p.nodeSelector()).isEmpty();
  }

  @Test
  void zoneSpreadSelectsTheComponentsOwnPodsAndIgnoresNodesItCannotUse() {
    PodPlacement p =
        PlacementRules.translate(
            placement(
                """
        spread:
        - {topologyKey: topology.kubernetes.io/zone, maxSkew: 1, whenUnsatisfiable: DoNotSchedule}
        """),
            OWN,
            null);
    TopologySpreadConstraint c = p.topologySpreadConstraints().get(0);
    assertThat(c.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
    assertThat(c.getMaxSkew()).isEqualTo(1);
    assertThat(c.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
    assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(OWN);
    assertThat(c.getNodeTaintsPolicy()).isEqualTo("Honor");
  }

  @Test
  void spreadDefaultsToScheduleAnywayWithSkewOne() {
    PodPlacement p =
        PlacementRules.translate(
            placement("spread: [{topologyKey: kubernetes.io/hostname}]"), OWN, null);
    assertThat(p.topologySpreadConstraints().get(0).getWhenUnsatisfiable())
        .isEqualTo("ScheduleAnyway");
    assertThat(p.topologySpreadConstraints().get(0).getMaxSkew()).isEqualTo(1);
  }

  @Test
  void requiredAntiAffinityPutsReplicasOnDistinctNodes() {
    PodPlacement p = PlacementRules.translate(placement("antiAffinity: Required"), OWN, null);
    var terms =
        p.affinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    assertThat(terms).hasSize(1);
    assertThat(terms.get(0).getTopologyKey()).isEqualTo("kubernetes.io/hostname");
    assertThat(terms.get(0).getLabelSelector().getMatchLabels()).isEqualTo(OWN);
    assertThat(
            p.affinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .isNull();
  }

  @Test
  void preferredAntiAffinityIsWeighted() {
    PodPlacement p = PlacementRules.translate(placement("antiAffinity: Preferred"), OWN, null);
    var preferred =
        p.affinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    assertThat(preferred)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.getWeight()).isEqualTo(100);
              assertThat(w.getPodAffinityTerm().getLabelSelector().getMatchLabels()).isEqualTo(OWN);
            });
  }

  @Test
  void antiAffinityNoneAddsNothing() {
    assertThat(PlacementRules.translate(placement("antiAffinity: None"), OWN, null).affinity())
        .isNull();
  }

  @Test
  void dedicatedNodesTolerateTheTaintAndRequireTheLabel() {
    PodPlacement p =
        PlacementRules.translate(
            placement("dedicatedNodes: {key: dedicated, value: workers}"), OWN, null);
    assertThat(p.tolerations())
        .containsExactly(new Toleration("NoSchedule", "dedicated", "Equal", null, "workers"));
    var terms =
        p.affinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    assertThat(terms)
        .singleElement()
        .satisfies(
            t ->
                assertThat(t.getMatchExpressions())
                    .containsExactly(
                        new NodeSelectorRequirement("dedicated", "In", List.of("workers"))));
  }

  @Test
  void dedicatedNodesAreAndedIntoEveryGivenNodeAffinityTerm() {
    PodPlacement p =
        PlacementRules.translate(
            placement(
                """
        dedicatedNodes: {key: dedicated, value: workers}
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: disktype, operator: In, values: [ssd]}]
            - matchExpressions: [{key: gpu, operator: Exists}]
        """),
            OWN,
            null);
    var terms =
        p.affinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    assertThat(terms)
        .hasSize(2)
        .allSatisfy(
            t ->
                assertThat(t.getMatchExpressions())
                    .contains(new NodeSelectorRequirement("dedicated", "In", List.of("workers"))));
  }

  @Test
  void userTolerationsAndNodeSelectorPassThrough() {
    PodPlacement p =
        PlacementRules.translate(
            placement(
                """
        nodeSelector: {disktype: ssd}
        tolerations: [{key: spot, operator: Exists, effect: NoSchedule}]
        """),
            OWN,
            null);
    assertThat(p.nodeSelector()).containsExactlyEntriesOf(Map.of("disktype", "ssd"));
    assertThat(p.tolerations())
        .containsExactly(new Toleration("NoSchedule", "spot", "Exists", null, null));
  }

  @Test
  void colocationFollowsTheManagedRedisPod() {
    PodPlacement required =
        PlacementRules.translate(placement("colocateWithRedis: Required"), OWN, REDIS);
    assertThat(
            required
                .affinity()
                .getPodAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getLabelSelector().getMatchLabels()).isEqualTo(REDIS);
              assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            });
    PodPlacement preferred =
        PlacementRules.translate(placement("colocateWithRedis: Preferred"), OWN, REDIS);
    assertThat(
            preferred
                .affinity()
                .getPodAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution())
        .hasSize(1);
  }

  @Test
  void colocationIsDroppedWithoutAManagedRedis() {
    assertThat(
            PlacementRules.translate(placement("colocateWithRedis: Required"), OWN, null)
                .affinity())
        .isNull();
  }

  @Test
  void componentPlacementReplacesDefaultsFieldByField() {
    Placement defaults =
        placement(
            """
        antiAffinity: Preferred
        nodeSelector: {disktype: ssd}
        spread: [{topologyKey: topology.kubernetes.io/zone}]
        """);
    Placement own = placement("antiAffinity: Required");
    Placement merged = PlacementRules.merge(defaults, own);
    assertThat(merged.antiAffinity).isEqualTo(Placement.Level.Required);
    assertThat(merged.nodeSelector).containsEntry("disktype", "ssd");
    assertThat(merged.spread).hasSize(1);
    assertThat(PlacementRules.merge(null, null)).isNotNull();
    assertThat(PlacementRules.merge(defaults, null)).isSameAs(defaults);
  }
}
