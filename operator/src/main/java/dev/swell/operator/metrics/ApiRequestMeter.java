package dev.swell.operator.metrics;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.List;

/**
 * Counts the requests the operator's Kubernetes client sends, as {@code
 * swell_kubernetes_requests_total{verb, resource}}: what the operator costs the API server, read by
 * whoever runs it and by the scale benchmark. The verb is the API server's own (get, list, watch,
 * create, patch, update, delete); the resource is its plural, with the subresource after a slash
 * (deployments/status).
 */
public final class ApiRequestMeter implements Interceptor {

  public static final String NAME = "swell_kubernetes_requests";

  private final MeterRegistry registry;

  public ApiRequestMeter(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    Request r = classify(request.method(), request.uri());
    Counter.builder(NAME)
        .description("requests sent to the Kubernetes API server, by verb and resource")
        .tag("verb", r.verb())
        .tag("resource", r.resource())
        .register(registry)
        .increment();
  }

  /** A request as the API server names it. */
  record Request(String verb, String resource) {}

  /**
   * The verb and resource of a request to the API server: paths are {@code
   * /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]]} or {@code /apis/GROUP/VERSION/...}.
   */
  static Request classify(String method, URI uri) {
    List<String> parts =
        List.of(uri.getRawPath().replaceAll("^/+|/+$", "").split("/")).stream()
            .filter(s -> !s.isEmpty())
            .toList();
    int i;
    if (!parts.isEmpty() && parts.get(0).equals("api")) {
      i = 2; // api, v1
    } else if (!parts.isEmpty() && parts.get(0).equals("apis")) {
      i = 3; // apis, group, version
    } else {
      return new Request(method.toLowerCase(), "other");
    }
    // a namespaced resource, unless the request is for the namespaces themselves
    if (parts.size() > i + 2 && parts.get(i).equals("namespaces")) {
      i += 2;
    }
    if (parts.size() <= i) {
      return new Request(method.toLowerCase(), "discovery");
    }
    String resource = parts.get(i);
    boolean named = parts.size() > i + 1;
    if (parts.size() > i + 2) {
      resource += "/" + parts.get(i + 2);
    }
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    String verb =
        switch (method) {
          case "GET" ->
              query.contains("watch=true") || query.contains("watch=1")
                  ? "watch"
                  : named ? "get" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> method.toLowerCase();
        };
    return new Request(verb, resource);
  }

  /** Whether a verb changes something. */
  public static boolean writes(String verb) {
    return !(verb.equals("get") || verb.equals("list") || verb.equals("watch"));
  }
}
