package dev.swell.operator.reconciler;

import static dev.swell.operator.reconciler.StatusFactoryTest.NOW;
import static dev.swell.operator.reconciler.StatusFactoryTest.deployment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.ScalableServiceStatus;
import dev.swell.operator.autoscaling.RequestScaler.MetricOutcome;
import dev.swell.operator.autoscaling.RequestTarget.Metric;
import dev.swell.operator.scaling.ApiScalingSnapshot;
import dev.swell.operator.scaling.RequestTargets;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** status.api and the ApiScalingActive condition when Swell scales the api on its metrics. */
class StatusFactoryApiTest {

  static final String BY_SWELL =
      """
      image: app
      api:
        autoscaling:
          minReplicas: 1
          maxReplicas: 8
          metrics: [{type: concurrency, target: 4}, {type: latency, target: 200ms}, {type: cpu, target: 60}]
      """;
  static final String BY_HPA =
      """
      image: app
      api: {autoscaling: {minReplicas: 1, maxReplicas: 8, cpuUtilization: 60}}
      """;
  static final String FIXED = "image: app\napi: {replicas: 2}\n";
  static final Path COMMITTED_CRD = Path.of("../crds/scalableservices.swell.dev.yaml");

  /** The spec's metrics as the request scaler sees them, each with a reading (null: unread). */
  static List<MetricOutcome> outcomes(Double concurrency, Double latency, Double cpu) {
    List<Metric> m = RequestTargets.from(Fixtures.service(BY_SWELL)).metrics();
    return List.of(
        new MetricOutcome(m.get(0), concurrency, concurrency == null ? null : 3),
        new MetricOutcome(m.get(1), latency, latency == null ? null : 2),
        new MetricOutcome(m.get(2), cpu, cpu == null ? null : 2));
  }

  static ScalableServiceStatus status(String spec, boolean paused, ApiScalingSnapshot s, String p) {
    ScalableService svc = Fixtures.service(spec);
    if (paused) {
      svc.getMetadata().setAnnotations(Map.of(ScalableService.PAUSED_ANNOTATION, "true"));
    }
    Observed o =
        new Observed(deployment(2, 2), null, null, null, List.of(), null, null, null, s, p);
    return StatusFactory.build(svc, o, NOW).status();
  }

  static Condition apiScalingActive(ScalableServiceStatus status) {
    return status.conditions.stream()
        .filter(c -> c.getType().equals(ConditionType.ApiScalingActive.name()))
        .findFirst()
        .orElseThrow();
  }

  /** What `kubectl get ssvc` prints in a column: the committed CRD's jsonPath on the status. */
  static String column(String name, ScalableServiceStatus status) throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(COMMITTED_CRD), CustomResourceDefinition.class);
    String path =
        crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
            .filter(c -> c.getName().equals(name))
            .map(CustomResourceColumnDefinition::getJsonPath)
            .findFirst()
            .orElseThrow();
    assertThat(path).startsWith(".status.");
    JsonNode node = new ObjectMapper().valueToTree(status);
    for (String field : path.substring(".status.".length()).split("\\.")) {
      node = node.path(field);
    }
    return node.asText(null);
  }

  @Test
  void eachMetricShowsItsValueAndTargetInItsUnitAndTheColumnTheDesiredCount() throws IOException {
    WorkerScalingSnapshot.Change change =
        new WorkerScalingSnapshot.Change(NOW.minusSeconds(5), 2, 3, "concurrency 5.5 ... -> 3");
    ScalableServiceStatus status =
        status(
            BY_SWELL,
            false,
            new ApiScalingSnapshot(3, outcomes(5.5, 0.18, 64.0), change, null, null, false),
            null);

    assertThat(status.api.metrics)
        .extracting(m -> m.name, m -> m.current, m -> m.target, m -> m.desiredReplicas)
        .containsExactly(
            tuple("concurrency", "5.5", "4", 3),
            tuple("latency p95", "180ms", "200ms", 2),
            tuple("cpu", "64%", "60%", 2));
    assertThat(status.api.desiredReplicas).isEqualTo(3);
    assertThat(status.api.readyReplicas).isEqualTo(2);
    assertThat(status.api.summary).isEqualTo("2/3");
    assertThat(column("API", status)).as("kubectl get ssvc's API column").isEqualTo("2/3");
    assertThat(status.api.lastDecision.from).isEqualTo(2);
    assertThat(status.api.lastDecision.to).isEqualTo(3);
    assertThat(status.api.lastScaleTime).isEqualTo(NOW.minusSeconds(5).toString());
    assertThat(apiScalingActive(status))
        .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly(
            "True",
            "MetricsRead",
            "scaling on concurrency 5.5 (target 4), latency p95 180ms (target 200ms),"
                + " cpu 64% (target 60%)");
  }

  @Test
  void anUnreadableMetricKeepsItsTargetAndHasNoValue() {
    ScalableServiceStatus status =
        status(
            BY_SWELL,
            false,
            new ApiScalingSnapshot(2, outcomes(3.0, null, 50.0), null, null, null, false),
            null);
    assertThat(status.api.metrics)
        .extracting(m -> m.name, m -> m.current, m -> m.target, m -> m.desiredReplicas)
        .contains(tuple("latency p95", null, "200ms", null));
    assertThat(apiScalingActive(status).getMessage())
        .contains("latency p95 unreadable (target 200ms)");
  }

  /** spec, paused, snapshot, problem, then the expected ApiScalingActive status/reason/message. */
  static Stream<Arguments> conditions() {
    String error = "0 of 2 api pods answered: connection refused";
    return Stream.of(
        Arguments.of(
            "metrics unreadable",
            BY_SWELL,
            false,
            new ApiScalingSnapshot(2, outcomes(null, null, null), null, error, null, false),
            null,
            "False/MetricsUnreadable/" + error),
        Arguments.of(
            "paused, even while metrics are unreadable",
            BY_SWELL,
            true,
            new ApiScalingSnapshot(2, outcomes(null, null, null), null, error, null, true),
            null,
            "False/Paused/replicas are frozen by swell.dev/paused"),
        Arguments.of(
            "read once, no value and no error yet",
            BY_SWELL,
            false,
            new ApiScalingSnapshot(1, outcomes(null, null, null), null, null, null, false),
            null,
            "False/Starting/the api autoscaler has not read the pods' metrics yet"),
        Arguments.of(
            "not read yet",
            BY_SWELL,
            false,
            null,
            null,
            "False/Starting/the api autoscaler has not read the pods' metrics yet"),
        Arguments.of(
            "settings refused before any read",
            BY_SWELL,
            false,
            null,
            "spec.api.autoscaling.behavior: bad",
            "False/InvalidSpec/spec.api.autoscaling.behavior: bad"),
        Arguments.of(
            "settings refused while scaling on the last good ones",
            BY_SWELL,
            false,
            new ApiScalingSnapshot(2, outcomes(3.0, 0.1, 50.0), null, null, null, false),
            "spec.api.autoscaling.behavior: bad",
            "False/InvalidSpec/spec.api.autoscaling.behavior: bad;"
                + " the api autoscaler keeps its last good settings"),
        Arguments.of(
            "cpu only: the HPA scales",
            BY_HPA,
            false,
            null,
            null,
            "False/HorizontalPodAutoscaler/the api's HorizontalPodAutoscaler scales it on cpu and"
                + " memory"),
        Arguments.of(
            "fixed replicas",
            FIXED,
            false,
            null,
            null,
            "False/Disabled/the api has a fixed replica count"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conditions")
  void apiScalingActiveSaysWhySwellIsOrIsNotScalingTheApi(
      String name,
      String spec,
      boolean paused,
      ApiScalingSnapshot snapshot,
      String problem,
      String expected) {
    ScalableServiceStatus status = status(spec, paused, snapshot, problem);
    Condition c = apiScalingActive(status);
    assertThat(c.getStatus() + "/" + c.getReason() + "/" + c.getMessage()).isEqualTo(expected);
    if (snapshot == null) {
      assertThat(status.api.metrics).isNull();
      assertThat(status.api.summary).as("ready/spec.replicas of the Deployment").isEqualTo("2/2");
    } else {
      assertThat(status.api.summary)
          .as("ready/the autoscaler's desired count")
          .isEqualTo("2/" + snapshot.desiredReplicas());
      assertThat(status.api.metrics).hasSize(3);
    }
  }
}
