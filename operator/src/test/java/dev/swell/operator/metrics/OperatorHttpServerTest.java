package dev.swell.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What Prometheus and the kubelet's probes get from the operator's HTTP port. */
class OperatorHttpServerTest {

  @Test
  void metricsAreScrapedAndProbesFollowTheirChecks() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("swell_scaling_decisions")
        .tag("direction", "up")
        .register(registry)
        .increment(3);
    AtomicBoolean healthy = new AtomicBoolean(true);
    AtomicBoolean ready = new AtomicBoolean(false);
    try (OperatorHttpServer server =
            new OperatorHttpServer(0, registry, healthy::get, ready::get).start();
        HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> metrics = get(http, server, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body()).contains("swell_scaling_decisions_total{direction=\"up\"} 3.0");
      assertThat(get(http, server, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(http, server, "/readyz").statusCode()).as("not started yet").isEqualTo(503);
      ready.set(true);
      healthy.set(false);
      assertThat(get(http, server, "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(http, server, "/healthz").statusCode()).isEqualTo(503);
    }
  }

  static HttpResponse<String> get(HttpClient http, OperatorHttpServer server, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
