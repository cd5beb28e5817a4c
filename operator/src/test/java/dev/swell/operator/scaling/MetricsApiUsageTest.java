package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Utilization as the HPA's Resource metric computes it: usage summed over requests summed. */
class MetricsApiUsageTest {

  static Pod pod(String appCpu, String sidecarCpu) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName("api-a")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("api")
            .withNewResources()
            .withRequests(appCpu == null ? Map.of() : Map.of("cpu", new Quantity(appCpu)))
            .endResources()
            .endContainer()
            .addNewContainer()
            .withName("sidecar")
            .withNewResources()
            .withRequests(sidecarCpu == null ? Map.of() : Map.of("cpu", new Quantity(sidecarCpu)))
            .endResources()
            .endContainer()
            .endSpec();
    return b.build();
  }

  static PodMetrics usage(String app, String sidecar) {
    return new PodMetricsBuilder()
        .withNewMetadata()
        .withName("api-a")
        .endMetadata()
        .addNewContainer()
        .withName("api")
        .withUsage(Map.of("cpu", new Quantity(app)))
        .endContainer()
        .addNewContainer()
        .withName("sidecar")
        .withUsage(Map.of("cpu", new Quantity(sidecar)))
        .endContainer()
        .build();
  }

  @Test
  void usageOverRequestsSummedOverTheContainers() {
    // (150m + 50m) / (100m + 100m) = 100%
    assertThat(MetricsApiUsage.utilization(pod("100m", "100m"), usage("150m", "50m"), "cpu"))
        .isCloseTo(100.0, within(1e-9));
    assertThat(MetricsApiUsage.utilization(pod("1", "500m"), usage("300m", "0"), "cpu"))
        .isCloseTo(20.0, within(1e-9));
  }

  @Test
  void aContainerWithoutARequestOrAPodWithoutUsageGivesNoValue() {
    assertThat(MetricsApiUsage.utilization(pod("100m", null), usage("10m", "10m"), "cpu")).isNull();
    assertThat(MetricsApiUsage.utilization(pod("100m", "100m"), null, "cpu")).isNull();
  }
}
