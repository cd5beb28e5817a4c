package dev.swell.operator.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestHistogramTest {

  static final String NAME = "http_server_requests_seconds";
  static final List<String> PROBES = List.of("/healthz", "/readyz", "/metrics");

  static RequestHistogram parse(String text) throws IOException {
    return RequestHistogram.parse(
        new BufferedReader(new StringReader(text)), NAME, "route", PROBES);
  }

  /** What Micrometer's Prometheus registry writes for two routes, and the probes left out. */
  static final String PAGE =
      """
      # HELP http_server_requests_seconds
      # TYPE http_server_requests_seconds histogram
      http_server_requests_seconds_bucket{method="GET",route="/products/{id}",status="200",le="0.1"} 6
      http_server_requests_seconds_bucket{method="GET",route="/products/{id}",status="200",le="0.2"} 9
      http_server_requests_seconds_bucket{method="GET",route="/products/{id}",status="200",le="+Inf"} 10
      http_server_requests_seconds_count{method="GET",route="/products/{id}",status="200"} 10
      http_server_requests_seconds_sum{method="GET",route="/products/{id}",status="200"} 1.25
      http_server_requests_seconds_bucket{method="POST",route="/jobs",status="202",le="0.1"} 4
      http_server_requests_seconds_bucket{method="POST",route="/jobs",status="202",le="0.2"} 5
      http_server_requests_seconds_bucket{method="POST",route="/jobs",status="202",le="+Inf"} 5
      http_server_requests_seconds_count{method="POST",route="/jobs",status="202"} 5 1700000000000
      http_server_requests_seconds_sum{method="POST",route="/jobs",status="202"} 0.25
      http_server_requests_seconds_count{method="GET",route="/healthz",status="200"} 1000
      http_server_requests_seconds_sum{method="GET",route="/healthz",status="200"} 3.0
      http_server_requests_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 1000
      # TYPE http_server_requests_seconds_max gauge
      http_server_requests_seconds_max{method="GET",route="/products/{id}",status="200"} 0.5
      jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2E7
      """;

  @Test
  void sumsTheSeriesAndLeavesTheProbesOut() throws IOException {
    RequestHistogram h = parse(PAGE);
    assertThat(h.count()).isEqualTo(15);
    assertThat(h.sum()).isCloseTo(1.5, within(1e-9));
    assertThat(h.buckets()).isEqualTo(Map.of(0.1, 10.0, 0.2, 14.0, Double.POSITIVE_INFINITY, 15.0));
  }

  @Test
  void quantilesAsHistogramQuantileComputesThem() throws IOException {
    RequestHistogram h = parse(PAGE);
    // rank 0.5 x 15 = 7.5 falls in the first bucket (10 of 15 <= 0.1 s): 0.1 x 7.5 / 10
    assertThat(h.quantile(0.5)).isCloseTo(0.075, within(1e-9));
    // rank 13.5: in (0.1, 0.2], 3.5 of its 4
    assertThat(h.quantile(0.9)).isCloseTo(0.1875, within(1e-9));
    // rank 14.85: past 0.2 s, in +Inf: the highest finite bound
    assertThat(h.quantile(0.99)).isEqualTo(0.2);
    assertThat(RequestHistogram.EMPTY.quantile(0.95)).as("no request").isZero();
  }

  @Test
  void theIncreaseSinceAnEarlierReadAndARestartWhichHasNone() throws IOException {
    RequestHistogram before = parse(PAGE);
    RequestHistogram after =
        parse(
            PAGE.replace("status=\"200\",le=\"0.1\"} 6", "status=\"200\",le=\"0.1\"} 8")
                .replace("status=\"200\",le=\"0.2\"} 9", "status=\"200\",le=\"0.2\"} 11")
                .replace("status=\"200\",le=\"+Inf\"} 10", "status=\"200\",le=\"+Inf\"} 12")
                .replace("status=\"200\"} 10", "status=\"200\"} 12")
                .replace("status=\"200\"} 1.25", "status=\"200\"} 1.45"));
    RequestHistogram delta = after.since(before);
    assertThat(delta.count()).isEqualTo(2);
    assertThat(delta.sum()).isCloseTo(0.2, within(1e-9));
    assertThat(delta.buckets().get(0.1)).isEqualTo(2);
    assertThat(before.since(after)).as("counters went down: the pod restarted").isNull();
  }

  @Test
  void seriesWithoutTheRouteLabelCount() throws IOException {
    assertThat(parse("http_server_requests_seconds_count{method=\"GET\"} 4\n").count())
        .isEqualTo(4);
  }

  @Test
  void escapedLabelValuesAndOtherLabelNamesForTheRoute() throws IOException {
    String spring =
        """
        http_server_requests_seconds_count{uri="/actuator/prometheus",method="GET"} 7
        http_server_requests_seconds_count{uri="/a \\"quoted\\" path, with commas",method="GET"} 3
        """;
    RequestHistogram h =
        RequestHistogram.parse(
            new BufferedReader(new StringReader(spring)),
            NAME,
            "uri",
            List.of("/actuator/prometheus"));
    assertThat(h.count()).isEqualTo(3);
  }

  @Test
  void malformedLinesOfTheHistogramAreRefusedNamingThem() {
    assertThatThrownBy(() -> parse("http_server_requests_seconds_count{route=\"/x\"} lots\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no number")
        .hasMessageContaining("lots");
    assertThatThrownBy(() -> parse("http_server_requests_seconds_count{route=\"/x} 1\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unterminated");
    assertThatThrownBy(() -> parse("http_server_requests_seconds_sum{route=\"/x\"} -5\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(
            () -> parse("http_server_requests_seconds_bucket{route=\"/x\",le=\"fast\"} 1\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bound");
    assertThatThrownBy(() -> parse("x".repeat(RequestHistogram.MAX_LINE + 1) + "\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer than");
  }
}
