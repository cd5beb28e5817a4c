package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Where Swell reads the api pods' request metrics: a Prometheus text endpoint and the name of the
 * request-duration histogram (seconds), as Micrometer, Spring Boot and most client libraries
 * publish it.
 */
public class ApiScrape {

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the metrics endpoint; default spec.api.port.")
  public Integer port;

  @Pattern("^/[A-Za-z0-9/_.~-]{0,200}$")
  @Default(Defaults.SCRAPE_PATH)
  @JsonPropertyDescription("Path of the metrics endpoint. Default /metrics.")
  public String path = Defaults.SCRAPE_PATH;

  @Pattern("^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$")
  @Default(Defaults.REQUEST_HISTOGRAM)
  @JsonPropertyDescription(
      "The request-duration histogram, in seconds, without _bucket/_count/_sum. Default"
          + " http_server_requests_seconds (Micrometer; Spring Boot's too).")
  public String histogram = Defaults.REQUEST_HISTOGRAM;

  @Pattern("^[a-zA-Z_][a-zA-Z0-9_]{0,99}$")
  @Default(Defaults.ROUTE_LABEL)
  @JsonPropertyDescription(
      "The histogram's label naming the route (Spring Boot: uri). Default route.")
  public String routeLabel = Defaults.ROUTE_LABEL;

  @Size(max = 32)
  @ValidationRule(
      value = "self.all(r, size(r) <= 200)",
      message = "a route is at most 200 characters")
  @JsonPropertyDescription(
      "Routes not counted: probes and the scrape itself. Default /healthz, /readyz, /metrics.")
  public List<String> excludeRoutes = List.of("/healthz", "/readyz", Defaults.SCRAPE_PATH);
}
