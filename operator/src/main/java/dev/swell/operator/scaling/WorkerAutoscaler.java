package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.desired.Component;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.events.EventSink;
import dev.swell.operator.queue.Backlog;
import dev.swell.operator.queue.QueueBacklogSource;
import dev.swell.operator.queue.QueueRef;
import dev.swell.operator.queue.RedisBacklogSource;
import dev.swell.operator.queue.RedisConnection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's queue autoscaler: one virtual thread per ScalableService with a worker, each
 * evaluating every poll interval (default 1 s), writing the worker's replicas itself (no HPA in
 * between) and asking JOSDK to reconcile the status when something worth showing changed.
 */
public final class WorkerAutoscaler implements WorkerScaling, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorkerAutoscaler.class);

  /** A Redis endpoint that answers nothing for this long fails its reads. */
  static final Duration READ_TIMEOUT = Duration.ofMillis(800);

  /** A read late behind others on a busy endpoint or operator is waited for this long. */
  static final Duration READ_PATIENCE = Duration.ofSeconds(5);

  private final QueueBacklogSource source;
  private final ReplicaRealizer realizer;
  private final EventSink events;
  private final MeterRegistry registry;
  private final Clock clock;
  private final WorkerCatalog catalog;
  private final LoopThreads<WorkerLoop> loops;

  private final Reconciles reconciles = new Reconciles("queue-autoscaler");
  private final Timer evaluation;

  /** The autoscaler of the watched namespaces (empty: every namespace). */
  public WorkerAutoscaler(
      KubernetesClient client,
      Set<String> namespaces,
      MeterRegistry registry,
      EventSink events,
      Clock clock) {
    this(
        new InformerCatalog(client, namespaces, Component.WORKER),
        new RedisBacklogSource(READ_TIMEOUT, READ_PATIENCE),
        new KubernetesReplicaRealizer(client),
        registry,
        events,
        clock);
  }

  WorkerAutoscaler(
      WorkerCatalog catalog,
      QueueBacklogSource source,
      ReplicaRealizer realizer,
      MeterRegistry registry,
      EventSink events,
      Clock clock) {
    this.catalog = catalog;
    this.source = source;
    this.realizer = realizer;
    this.events = events;
    this.registry = registry;
    this.clock = clock;
    this.loops = new LoopThreads<>(clock, "queue autoscaler", this::forget);
    Gauge.builder("swell_queue_loops", loops, LoopThreads::size)
        .description("queue autoscaler loops running")
        .register(registry);
    this.evaluation =
        Timer.builder("swell_scaling_evaluation")
            .description("one read-decide-scale of a worker queue")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  /** The event source through which the loops ask for a status reconcile. */
  @Override
  public EventSource<?, ScalableService> eventSource() {
    return reconciles;
  }

  @Override
  public WorkerScalingSnapshot track(ScalableService service, RedisConnection redis) {
    ResourceID id = ResourceID.fromResource(service);
    WorkerLoop.Config config =
        new WorkerLoop.Config(
            service,
            QueueTargets.from(service.getSpec().worker),
            QueueRef.of(service.getSpec().worker.queue),
            redis,
            QueueTargets.pollInterval(service.getSpec().worker),
            service.isPaused());
    WorkerLoop loop = loops.track(id, k -> start(k, config));
    RedisConnection before = loop.config().redis();
    loop.update(config);
    if (!before.equals(redis)) {
      releaseIfUnused(before);
    }
    return loop.snapshot();
  }

  @Override
  public WorkerScalingSnapshot snapshot(ResourceID id) {
    WorkerLoop loop = loops.get(id);
    return loop == null ? null : loop.snapshot();
  }

  @Override
  public void forget(ResourceID id) {
    WorkerLoop loop = loops.remove(id);
    if (loop != null) {
      registry.find("swell_worker_backlog").tags(tags(id)).meters().forEach(registry::remove);
      releaseIfUnused(loop.config().redis());
    }
  }

  private WorkerLoop start(ResourceID id, WorkerLoop.Config config) {
    AtomicLong backlog = new AtomicLong(); // held by the loop's listener, as the gauge needs
    Gauge.builder("swell_worker_backlog", backlog, AtomicLong::get)
        .tags(tags(id))
        .description("items waiting in the worker queue at the last read")
        .register(registry);
    return new WorkerLoop(config, source, realizer, clock, catalog::of, new Listener(backlog));
  }

  /** How many loop threads are alive: one per tracked service, none left over. */
  int liveLoops() {
    return loops.size();
  }

  private void releaseIfUnused(RedisConnection redis) {
    if (loops.loops().stream().noneMatch(l -> l.config().redis().equals(redis))) {
      source.release(redis);
    }
  }

  private static Tags tags(ResourceID id) {
    return Tags.of("namespace", id.getNamespace().orElse(""), "name", id.getName());
  }

  @Override
  public void close() {
    stopAll();
    catalog.close();
    source.close();
  }

  /**
   * Stops the loops of the services that match (a shard this replica no longer holds) and waits
   * (about {@link LoopThreads#STOP_WAIT} at most) until none of them can write again.
   */
  public void stop(Predicate<ResourceID> which) {
    loops.stop(which);
  }

  /**
   * Stops every loop and waits (about {@link LoopThreads#STOP_WAIT} at most) until none can write
   * again: on a lost Lease, before another replica may take it.
   */
  public void stopAll() {
    loops.stopAll();
  }

  /** Turns a loop's outcome into events, meters and reconcile requests. */
  private final class Listener implements WorkerLoop.Listener {
    private final AtomicLong backlog;

    Listener(AtomicLong backlog) {
      this.backlog = backlog;
    }

    @Override
    public void scaled(ScalableService service, Decision d) {
      log.info("scaled workers {} -> {}: {}", d.from(), d.to(), d.message());
      events.record(
          service,
          EventReason.ScaledWorkers,
          "Scaled workers from " + d.from() + " to " + d.to() + ": " + d.message());
    }

    @Override
    public void evaluated(ScalableService service, Decision d, Backlog read, Duration took) {
      evaluation.record(took);
      if (read != null) {
        backlog.set(read.backlog());
      }
      String direction = d.to() > d.from() ? "up" : d.to() < d.from() ? "down" : "none";
      Counter.builder("swell_scaling_decisions")
          .tag("direction", direction)
          .tag("reason", d.reason().name())
          .description("queue autoscaler decisions")
          .register(registry)
          .increment();
    }

    @Override
    public void protectedBusyPods(ScalableService service, Map<String, Long> busy) {
      StringBuilder pods = new StringBuilder();
      busy.forEach(
          (pod, items) ->
              pods.append(pods.isEmpty() ? "" : ", ")
                  .append(pod)
                  .append(" (")
                  .append(items)
                  .append(" in flight)"));
      events.record(
          service,
          EventReason.ProtectedBusyWorkers,
          "Before scaling down, kept busy workers last: " + pods);
    }

    @Override
    public void statusChanged(ScalableService service) {
      reconciles.request(ResourceID.fromResource(service));
    }
  }

  /** A JOSDK event source that only forwards the loops' reconcile requests. */
  static final class Reconciles extends AbstractEventSource<Void, ScalableService> {
    Reconciles(String name) {
      super(Void.class, name);
    }

    @Override
    public Set<Void> getSecondaryResources(ScalableService primary) {
      return Set.of();
    }

    void request(ResourceID id) {
      if (isRunning()) {
        getEventHandler().handleEvent(new Event(id));
      }
    }
  }
}
