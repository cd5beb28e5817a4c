package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.autoscaling.RequestScaler;
import dev.swell.operator.desired.Component;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.events.EventSink;
import dev.swell.operator.requests.PodScraper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The api's request autoscaler: for each ScalableService whose api scales on requestsPerSecond,
 * concurrency or latency, one virtual thread reads the api pods' metrics every poll interval
 * (default 1 s), writes the api's replicas itself (no HPA in between) and asks JOSDK to reconcile
 * the status when something worth showing changed.
 */
public final class RequestAutoscaler implements ApiScaling, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RequestAutoscaler.class);

  private final PodScraper scraper;
  private final ResourceUsage usage;
  private final ReplicaRealizer realizer;
  private final EventSink events;
  private final MeterRegistry registry;
  private final Clock clock;
  private final ApiCatalog catalog;
  private final LoopThreads<RequestLoop> loops;
  private final WorkerAutoscaler.Reconciles reconciles =
      new WorkerAutoscaler.Reconciles("api-autoscaler");
  private final Timer evaluation;

  /** The autoscaler of the watched namespaces (empty: every namespace). */
  public RequestAutoscaler(
      KubernetesClient client,
      Set<String> namespaces,
      MeterRegistry registry,
      EventSink events,
      Clock clock) {
    this(
        new InformerCatalog(client, namespaces, Component.API),
        new PodScraper(),
        new MetricsApiUsage(client),
        new KubernetesReplicaRealizer(client, KubernetesReplicaRealizer.API_FIELD_MANAGER),
        registry,
        events,
        clock);
  }

  RequestAutoscaler(
      ApiCatalog catalog,
      PodScraper scraper,
      ResourceUsage usage,
      ReplicaRealizer realizer,
      MeterRegistry registry,
      EventSink events,
      Clock clock) {
    this.catalog = catalog;
    this.scraper = scraper;
    this.usage = usage;
    this.realizer = realizer;
    this.events = events;
    this.registry = registry;
    this.clock = clock;
    this.loops = new LoopThreads<>(clock, "api autoscaler", this::forget);
    Gauge.builder("swell_api_loops", loops, LoopThreads::size)
        .description("api request autoscaler loops running")
        .register(registry);
    this.evaluation =
        Timer.builder("swell_api_scaling_evaluation")
            .description("one read-decide-scale of an api's metrics")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  @Override
  public EventSource<?, ScalableService> eventSource() {
    return reconciles;
  }

  @Override
  public ApiScalingSnapshot track(ScalableService service) {
    RequestLoop.Config config =
        new RequestLoop.Config(
            service,
            RequestTargets.from(service),
            RequestTargets.endpoint(service),
            RequestTargets.pollInterval(service),
            service.isPaused());
    ResourceID id = ResourceID.fromResource(service);
    RequestLoop loop =
        loops.track(
            id,
            k ->
                new RequestLoop(config, scraper, usage, realizer, clock, catalog, new Listener(k)));
    loop.update(config);
    return loop.snapshot();
  }

  @Override
  public ApiScalingSnapshot snapshot(ResourceID id) {
    RequestLoop loop = loops.get(id);
    return loop == null ? null : loop.snapshot();
  }

  @Override
  public void forget(ResourceID id) {
    if (loops.remove(id) != null) {
      registry.find("swell_api_metric").tags(tags(id)).meters().forEach(registry::remove);
    }
  }

  int liveLoops() {
    return loops.size();
  }

  private static Tags tags(ResourceID id) {
    return Tags.of("namespace", id.getNamespace().orElse(""), "name", id.getName());
  }

  @Override
  public void close() {
    stopAll();
    catalog.close();
    scraper.close();
  }

  /**
   * Stops the loops of the services that match (a shard this replica no longer holds) and waits
   * (about {@link LoopThreads#STOP_WAIT} at most) until none of them can write again.
   */
  public void stop(Predicate<ResourceID> which) {
    loops.stop(which);
  }

  /** Stops every loop and waits until none can write again (a lost Lease). */
  public void stopAll() {
    loops.stopAll();
  }

  /** Turns a loop's outcome into events, meters and reconcile requests. */
  private final class Listener implements RequestLoop.Listener {
    private final ResourceID id;
    private final Map<String, double[]> values = new ConcurrentHashMap<>();

    Listener(ResourceID id) {
      this.id = id;
    }

    @Override
    public void scaled(ScalableService service, Decision d) {
      log.info("scaled the api {} -> {}: {}", d.from(), d.to(), d.message());
      events.record(
          service,
          EventReason.ScaledApi,
          "Scaled the api from " + d.from() + " to " + d.to() + ": " + d.message());
    }

    @Override
    public void evaluated(ScalableService service, RequestScaler.Outcome outcome, Duration took) {
      evaluation.record(took);
      Decision d = outcome.decision();
      for (RequestScaler.MetricOutcome m : outcome.metrics()) {
        double[] holder =
            values.computeIfAbsent(
                m.metric().label(),
                label -> {
                  double[] h = {Double.NaN};
                  Gauge.builder("swell_api_metric", h, a -> a[0])
                      .tags(tags(id).and("metric", label))
                      .description(
                          "the api's metric at the last read, per pod (latency in seconds)")
                      .register(registry);
                  return h;
                });
        holder[0] = m.current() == null ? Double.NaN : m.current();
      }
      String direction = d.to() > d.from() ? "up" : d.to() < d.from() ? "down" : "none";
      Counter.builder("swell_api_scaling_decisions")
          .tag("direction", direction)
          .tag("reason", d.reason().name())
          .description("api request autoscaler decisions")
          .register(registry)
          .increment();
    }

    @Override
    public void statusChanged(ScalableService service) {
      reconciles.request(ResourceID.fromResource(service));
    }
  }
}
