package dev.swell.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.ScalableServiceStatus;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The status a user sees for each state a reconcile can observe, as a table. */
class StatusFactoryTest {

  static final String SHOP =
      """
      image: app
      redis: {mode: Managed}
      api: {replicas: 2}
      worker: {queue: {key: jobs}, autoscaling: {minReplicas: 0, maxReplicas: 4, fallback: {replicas: 2}}}
      """;
  static final String EXTERNAL =
      """
      image: app
      redis: {mode: External, external: {url: "redis://cache:6379", passwordSecretRef: {name: pw, key: p}}}
      worker: {queue: {key: jobs}}
      """;
  static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  static Deployment deployment(int spec, int available) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("d")
        .endMetadata()
        .withNewSpec()
        .withReplicas(spec)
        .endSpec()
        .withNewStatus()
        .withReplicas(spec)
        .withReadyReplicas(available)
        .withAvailableReplicas(available)
        .endStatus()
        .build();
  }

  static WorkerScalingSnapshot reading(long backlog, int desired) {
    return new WorkerScalingSnapshot(backlog, 0L, desired, null, null, false, false);
  }

  static WorkerScalingSnapshot unreadable(boolean fallback) {
    return new WorkerScalingSnapshot(
        null, null, fallback ? 2 : 1, null, "WRONGPASS invalid password", fallback, false);
  }

  /**
   * spec, paused, observed, then the expected "Type=Status/Reason" of each condition that matters.
   */
  static Stream<Arguments> states() {
    Deployment up = deployment(2, 2);
    return Stream.of(
        Arguments.of(
            "all available",
            SHOP,
            false,
            new Observed(up, deployment(1, 1), up, null, List.of(), reading(5, 1)),
            List.of(
                "Ready=True/AllComponentsAvailable",
                "ScalingActive=True/BacklogRead",
                "Fallback=False/NotNeeded",
                "WorkerAvailable=True/MinimumReplicasAvailable",
                "PlacementFeasible=True/Feasible")),
        Arguments.of(
            "workers scaled to zero",
            SHOP,
            false,
            new Observed(up, deployment(0, 0), up, null, List.of(), reading(0, 0)),
            List.of("Ready=True/AllComponentsAvailable", "WorkerAvailable=True/ScaledToZero")),
        Arguments.of(
            "backlog unreadable, below the fallback threshold",
            SHOP,
            false,
            new Observed(up, deployment(1, 1), up, null, List.of(), unreadable(false)),
            List.of("ScalingActive=False/BacklogUnreadable", "Fallback=False/NotNeeded")),
        Arguments.of(
            "fallback replicas running",
            SHOP,
            false,
            new Observed(up, deployment(2, 2), up, null, List.of(), unreadable(true)),
            List.of("ScalingActive=False/BacklogUnreadable", "Fallback=True/BacklogUnreadable")),
        Arguments.of(
            "paused",
            SHOP,
            true,
            new Observed(
                up,
                deployment(1, 1),
                up,
                null,
                List.of(),
                new WorkerScalingSnapshot(5L, 0L, 1, null, null, false, true)),
            List.of(
                "Paused=True/PausedByAnnotation",
                "ScalingActive=False/Paused",
                "Ready=True/AllComponentsAvailable")),
        Arguments.of(
            "placement infeasible",
            SHOP,
            false,
            new Observed(
                up,
                deployment(1, 1),
                up,
                null,
                List.of("api: 2 replicas, 1 eligible node"),
                reading(0, 1)),
            List.of("PlacementFeasible=False/Infeasible", "Ready=True/AllComponentsAvailable")),
        Arguments.of(
            "managed Redis not ready",
            SHOP,
            false,
            new Observed(up, deployment(1, 1), deployment(1, 0), null, List.of(), null),
            List.of(
                "Ready=False/RedisStarting",
                "RedisReady=False/RedisStarting",
                "ScalingActive=False/Starting")),
        Arguments.of(
            "external Redis Secret missing",
            EXTERNAL,
            false,
            new Observed(
                null,
                deployment(1, 1),
                null,
                "Secret demo/pw (spec.redis.external.passwordSecretRef) not found",
                List.of(),
                null),
            List.of(
                "Ready=False/SecretNotFound",
                "RedisReady=False/SecretNotFound",
                "ApiAvailable=False/Disabled")),
        Arguments.of(
            "worker not available yet",
            SHOP,
            false,
            new Observed(up, deployment(1, 0), up, null, List.of(), reading(3, 1)),
            List.of("Ready=False/WorkerUnavailable", "WorkerAvailable=False/WorkerUnavailable")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void theStatusSaysWhatWasObserved(
      String name, String spec, boolean paused, Observed observed, List<String> expected) {
    ScalableService s = Fixtures.service(spec);
    if (paused) {
      s.getMetadata().setAnnotations(Map.of(ScalableService.PAUSED_ANNOTATION, "true"));
    }
    ScalableServiceStatus status = StatusFactory.build(s, observed, NOW).status();
    assertThat(status.conditions)
        .extracting(Condition::getType)
        .as("always the full set, in order")
        .containsExactly(
            Arrays.stream(ConditionType.values()).map(Enum::name).toArray(String[]::new));
    assertThat(status.conditions)
        .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(1L));
    List<String> seen =
        status.conditions.stream()
            .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
            .toList();
    assertThat(seen).containsAll(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void aTransitionTimeMovesOnlyWhenItsStatusChanges(
      String name, String spec, boolean paused, Observed observed, List<String> expected) {
    ScalableService s = Fixtures.service(spec);
    s.setStatus(StatusFactory.build(s, observed, NOW).status());
    ScalableServiceStatus again = StatusFactory.build(s, observed, NOW.plusSeconds(60)).status();
    assertThat(again.conditions)
        .allSatisfy(c -> assertThat(c.getLastTransitionTime()).isEqualTo(NOW.toString()));
    Observed flipped =
        new Observed(
            observed.api(),
            observed.worker(),
            observed.redis(),
            observed.redisProblem(),
            observed.placementProblems().isEmpty() ? List.of("worker: no node") : List.of(),
            observed.scaling());
    ScalableServiceStatus changed = StatusFactory.build(s, flipped, NOW.plusSeconds(90)).status();
    assertThat(changed.conditions)
        .filteredOn(c -> c.getType().equals("PlacementFeasible"))
        .allSatisfy(
            c -> assertThat(c.getLastTransitionTime()).isEqualTo(NOW.plusSeconds(90).toString()));
    assertThat(changed.conditions)
        .filteredOn(c -> c.getType().equals("Paused"))
        .allSatisfy(c -> assertThat(c.getLastTransitionTime()).isEqualTo(NOW.toString()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void theWorkerColumnsShowTheAutoscalersView(
      String name, String spec, boolean paused, Observed observed, List<String> expected) {
    ScalableServiceStatus status =
        StatusFactory.build(Fixtures.service(spec), observed, NOW).status();
    if (observed.scaling() != null && observed.scaling().desiredReplicas() != null) {
      assertThat(status.worker.desiredReplicas).isEqualTo(observed.scaling().desiredReplicas());
      assertThat(status.worker.summary).endsWith("/" + observed.scaling().desiredReplicas());
      assertThat(status.worker.backlog).isEqualTo(observed.scaling().backlog());
    }
  }

  @Test
  void aRestartedOperatorsFreshLoopLeavesTheStatusAsTheLastOneSawIt() {
    ScalableService s = Fixtures.service(SHOP);
    Deployment up = deployment(2, 2);
    Observed read = new Observed(up, deployment(3, 3), up, null, List.of(), reading(42, 3));
    s.setStatus(StatusFactory.build(s, read, NOW).status());
    // a new operator: its loop for this service has not read the queue yet
    Observed fresh = new Observed(up, deployment(3, 3), up, null, List.of(), null);
    ScalableServiceStatus restarted = StatusFactory.build(s, fresh, NOW.plusSeconds(30)).status();
    assertThat(Serialization.asJson(restarted))
        .as("the status a restarted operator's first reconcile builds: the same, so not written")
        .isEqualTo(Serialization.asJson(s.getStatus()));

    // never read before (a new service): the loop is starting, as it says
    ScalableService fresher = Fixtures.service(SHOP);
    assertThat(StatusFactory.build(fresher, fresh, NOW).status().conditions)
        .filteredOn(c -> c.getType().equals("ScalingActive"))
        .singleElement()
        .satisfies(c -> assertThat(c.getReason()).isEqualTo("Starting"));
  }

  @Test
  void aFreshLoopsFirstReadKeepsTheLastDecisionShown() {
    ScalableService s = Fixtures.service(SHOP);
    Deployment up = deployment(2, 2);
    WorkerScalingSnapshot scaled =
        new WorkerScalingSnapshot(
            0L,
            0L,
            0,
            new WorkerScalingSnapshot.Change(NOW, 1, 0, "no work since the Deployment was created"),
            null,
            false,
            false);
    s.setStatus(
        StatusFactory.build(s, new Observed(up, deployment(0, 0), up, null, List.of(), scaled), NOW)
            .status());
    // a restarted operator (or the replica that took the service's shard over): its loop read the
    // same queue, decided nothing, and knows of no change
    Observed firstRead = new Observed(up, deployment(0, 0), up, null, List.of(), reading(0, 0));
    ScalableServiceStatus after = StatusFactory.build(s, firstRead, NOW.plusSeconds(30)).status();
    assertThat(Serialization.asJson(after))
        .as("the status after the new loop's first read: the same, so not written")
        .isEqualTo(Serialization.asJson(s.getStatus()));
    assertThat(after.worker.lastDecision.reason)
        .isEqualTo("no work since the Deployment was created");
  }
}
