package dev.swell.operator.scaling;

import dev.swell.operator.api.ApiAutoscaling;
import dev.swell.operator.api.ApiMetric;
import dev.swell.operator.api.ApiScrape;
import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.RequestTarget;
import dev.swell.operator.autoscaling.ScalingRules;
import dev.swell.operator.desired.Durations;
import dev.swell.operator.requests.PodScraper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The api's spec as the request scaler's target and the pods' metrics endpoint. */
public final class RequestTargets {

  static final String FIELD = "spec.api.autoscaling";

  private RequestTargets() {}

  /**
   * @throws IllegalArgumentException naming the field, for what the schema lets through
   */
  public static RequestTarget from(ScalableService s) {
    ApiAutoscaling a = s.getSpec().api.autoscaling;
    List<RequestTarget.Metric> metrics = new ArrayList<>();
    for (int i = 0; i < a.metrics.size(); i++) {
      metrics.add(metric(FIELD + ".metrics[" + i + "]", a.metrics.get(i)));
    }
    if (a.cpuUtilization != null) {
      metrics.add(new RequestTarget.Metric(RequestTarget.Signal.cpu, a.cpuUtilization, 0));
    }
    if (a.memoryUtilization != null) {
      metrics.add(new RequestTarget.Metric(RequestTarget.Signal.memory, a.memoryUtilization, 0));
    }
    String behavior = FIELD + ".behavior";
    return new RequestTarget(
        a.minReplicas,
        Math.max(a.minReplicas, a.maxReplicas),
        metrics,
        QueueTargets.rules(
            behavior + ".scaleUp",
            a.behavior == null ? null : a.behavior.getScaleUp(),
            ScalingRules.DEFAULT_UP),
        QueueTargets.rules(
            behavior + ".scaleDown",
            a.behavior == null ? null : a.behavior.getScaleDown(),
            ScalingRules.DEFAULT_DOWN),
        a.burst == null
            ? null
            : new RequestTarget.Burst(
                (a.burst.threshold == null ? Defaults.BURST_THRESHOLD : a.burst.threshold) / 100.0,
                Durations.parse(a.burst.duration, Durations.parse(Defaults.BURST_DURATION, null))));
  }

  private static RequestTarget.Metric metric(String field, ApiMetric m) {
    RequestTarget.Signal signal = RequestTarget.Signal.valueOf(m.type.name());
    if (m.type == ApiMetric.Type.latency) {
      Duration d;
      try {
        d = Durations.parse(m.target.getStrVal(), null);
      } catch (IllegalArgumentException e) {
        d = null; // the API server's durations also take us and ns: ours are ms, s, m, h
      }
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(
            field
                + ".target must be a duration in ms, s or m above 0, got "
                + m.target.getStrVal());
      }
      return new RequestTarget.Metric(
          signal,
          d.toNanos() / 1e9,
          m.percentile == null ? Defaults.LATENCY_PERCENTILE : m.percentile);
    }
    Integer value = m.target.getIntVal();
    if (value == null || value <= 0) {
      throw new IllegalArgumentException(field + ".target must be a whole number above 0");
    }
    return new RequestTarget.Metric(signal, value, 0);
  }

  /** Where the pods' request histogram is read. */
  public static PodScraper.Endpoint endpoint(ScalableService s) {
    ApiScrape scrape = s.getSpec().api.autoscaling.scrape;
    if (scrape == null) {
      scrape = new ApiScrape();
    }
    int port =
        scrape.port != null
            ? scrape.port
            : s.getSpec().api.port == null ? Defaults.PORT : s.getSpec().api.port;
    return new PodScraper.Endpoint(
        port,
        scrape.path == null ? Defaults.SCRAPE_PATH : scrape.path,
        scrape.histogram == null ? Defaults.REQUEST_HISTOGRAM : scrape.histogram,
        scrape.routeLabel == null ? Defaults.ROUTE_LABEL : scrape.routeLabel,
        scrape.excludeRoutes == null ? List.of() : scrape.excludeRoutes);
  }

  public static Duration pollInterval(ScalableService s) {
    return Durations.parse(s.getSpec().api.autoscaling.pollInterval, QueueTargets.DEFAULT_POLL);
  }
}
