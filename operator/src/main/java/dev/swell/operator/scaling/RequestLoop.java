package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.autoscaling.RequestReading;
import dev.swell.operator.autoscaling.RequestScaler;
import dev.swell.operator.autoscaling.RequestScaler.MetricOutcome;
import dev.swell.operator.autoscaling.RequestTarget;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import dev.swell.operator.autoscaling.ScalingHistory;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.requests.PodScraper;
import dev.swell.operator.requests.RequestHistogram;
import dev.swell.operator.requests.RequestRates;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * One evaluation of one ScalableService's api: read each Ready pod's request histogram (and the
 * metrics API for cpu and memory), take rates since the last read, decide, scale. Everything it
 * talks to is passed in; {@link RequestAutoscaler} runs it every poll interval.
 */
final class RequestLoop implements LoopThreads.Loop {

  /** What the loop needs to know of the ScalableService, replaced on every reconcile. */
  record Config(
      ScalableService service,
      RequestTarget target,
      PodScraper.Endpoint endpoint,
      Duration pollInterval,
      boolean paused) {

    /** A pod's answer must come within this: most of a poll, at most 2 s. */
    Duration timeout() {
      long ms = Math.clamp(pollInterval.toMillis() * 8 / 10, 100, 2000);
      return Duration.ofMillis(ms);
    }
  }

  /** Where a tick's outcome goes: events, metrics, and a nudge to reconcile the status. */
  interface Listener {
    void scaled(ScalableService service, Decision decision);

    void evaluated(ScalableService service, RequestScaler.Outcome outcome, Duration took);

    void statusChanged(ScalableService service);
  }

  /** Why the first tick decides nothing: a rate needs two reads. */
  static final String FIRST_READ = "a first read of the pods: rates come with the next";

  /** Metric values reach the status at most this often; decisions and failures at once. */
  static final Duration STATUS_REFRESH = Duration.ofSeconds(5);

  private final PodScraper scraper;
  private final ResourceUsage usage;
  private final ReplicaRealizer realizer;
  private final RequestScaler scaler;
  private final Clock clock;
  private final ApiCatalog catalog;
  private final Listener listener;
  private final RequestRates rates = new RequestRates();
  private volatile Config config;
  private ScalingHistory history;
  private Instant burstUntil;
  private volatile ApiScalingSnapshot snapshot;
  private Instant lastStatusNudge = Instant.EPOCH;

  /** Failed reads in a row (a first read, a base for rates, is not one). */
  private int failedReads;

  /** The snapshot the status was last asked to show: drift is measured from it. */
  private ApiScalingSnapshot nudged;

  private volatile boolean stopped;

  /** The count this loop last wrote, until the informer shows it. */
  private final OwnWrite own = new OwnWrite();

  RequestLoop(
      Config config,
      PodScraper scraper,
      ResourceUsage usage,
      ReplicaRealizer realizer,
      Clock clock,
      ApiCatalog catalog,
      Listener listener) {
    this.config = config;
    this.scraper = scraper;
    this.usage = usage;
    this.realizer = realizer;
    this.scaler = new RequestScaler(clock);
    this.clock = clock;
    this.catalog = catalog;
    this.listener = listener;
    this.history = ScalingHistory.start(clock.instant());
  }

  void update(Config config) {
    this.config = config;
  }

  @Override
  public void stop() {
    stopped = true;
  }

  @Override
  public boolean stopped() {
    return stopped;
  }

  @Override
  public Duration pollInterval() {
    return config.pollInterval();
  }

  Config config() {
    return config;
  }

  ApiScalingSnapshot snapshot() {
    return snapshot;
  }

  @Override
  public synchronized boolean tick() {
    Config c = config;
    Instant start = clock.instant();
    ApiPods api = catalog.api(c.service());
    if (api.replicas() == null) {
      return false;
    }
    int current = own.current(api.replicas(), api.generation());
    if (history.recommendations().isEmpty()
        && history.scaleDowns().isEmpty()
        && history.scaleUps().isEmpty()) {
      // as the worker's loop: the count found stands as a recommendation for the scale-down window
      history = history.seeded(clock.instant(), current);
    }
    RequestReading reading = read(c, api.pods());
    if (stopped) {
      return true;
    }
    RequestScaler.Outcome outcome =
        scaler.decide(c.target(), current, reading, c.paused(), history, burstUntil);
    Decision decision = outcome.decision();
    history = decision.history();
    burstUntil = outcome.burstUntil();
    if (decision.changes()) {
      own.wrote(
          decision.to(),
          realizer.scale(
              c.service().getMetadata().getNamespace(),
              ChildNames.of(c.service(), Component.API),
              decision.to()));
      listener.scaled(c.service(), decision);
    }
    listener.evaluated(c.service(), outcome, Duration.between(start, clock.instant()));
    String error =
        reading instanceof RequestReading.Failed f && !f.reason().equals(FIRST_READ)
            ? f.reason()
            : null;
    failedReads = error == null ? 0 : failedReads + 1;
    publish(c, outcome, error);
    return true;
  }

  private RequestReading read(Config c, List<Pod> pods) {
    Map<String, String> ready = new LinkedHashMap<>();
    for (Pod p : pods) {
      if (ApiPods.ready(p)) {
        ready.put(p.getMetadata().getName(), p.getStatus().getPodIP());
      }
    }
    Set<Signal> signals = EnumSet.noneOf(Signal.class);
    c.target().metrics().forEach(m -> signals.add(m.signal()));
    Map<String, RequestHistogram> histograms = new HashMap<>();
    Map<String, String> errors = new TreeMap<>();
    boolean fromPods = signals.stream().anyMatch(Signal::fromPods);
    if (fromPods && !ready.isEmpty()) {
      scraper
          .read(ready, c.endpoint(), c.timeout())
          .forEach(
              (pod, answer) -> {
                if (answer.histogram() != null) {
                  histograms.put(pod, answer.histogram());
                } else {
                  errors.put(pod, answer.error());
                }
              });
    }
    Map<Signal, RequestReading.Value> values =
        new HashMap<>(rates.update(clock.instant(), pods.size(), histograms, c.target().metrics()));
    values.putAll(usage.read(c.service().getMetadata().getNamespace(), pods, signals));
    if (!values.isEmpty()) {
      return new RequestReading.Observed(values);
    }
    if (!errors.isEmpty()) {
      Map.Entry<String, String> first = errors.entrySet().iterator().next();
      return new RequestReading.Failed(
          errors.size()
              + " of "
              + ready.size()
              + " Ready api pods gave no metrics; "
              + first.getKey()
              + ": "
              + first.getValue());
    }
    if (ready.isEmpty()) {
      return new RequestReading.Failed("no api pod is Ready");
    }
    return new RequestReading.Failed(fromPods ? FIRST_READ : "the metrics API gave no usage");
  }

  /** Which metrics have a value: one turning readable or unreadable is shown at once. */
  private static List<Boolean> readable(ApiScalingSnapshot s) {
    return s.metrics().stream().map(m -> m.current() != null).toList();
  }

  private void publish(Config c, RequestScaler.Outcome outcome, String failure) {
    ApiScalingSnapshot before = snapshot;
    Instant now = clock.instant();
    Decision d = outcome.decision();
    // a failed read changes no replica count either way
    String error =
        ReadErrors.shown(
            failure,
            failedReads,
            before != null && before.readError() == null && readable(before).contains(true));
    boolean hidden = failure != null && error == null;
    List<MetricOutcome> metrics = hidden ? before.metrics() : outcome.metrics();
    WorkerScalingSnapshot.Change change =
        d.changes()
            ? new WorkerScalingSnapshot.Change(now, d.from(), d.to(), d.message())
            : before == null ? null : before.lastChange();
    ApiScalingSnapshot next =
        new ApiScalingSnapshot(d.to(), metrics, change, error, outcome.burstUntil(), c.paused());
    snapshot = next;
    ApiScalingSnapshot shown = nudged;
    boolean urgent =
        shown == null
            || d.changes()
            || (shown.readError() == null) != (error == null)
            || shown.paused() != next.paused()
            || (shown.burstUntil() == null) != (next.burstUntil() == null)
            || !readable(shown).equals(readable(next));
    boolean drifted = shown != null && !Objects.equals(shown.metrics(), next.metrics());
    if (urgent || drifted && !now.isBefore(lastStatusNudge.plus(STATUS_REFRESH))) {
      lastStatusNudge = now;
      nudged = next;
      listener.statusChanged(c.service());
    }
  }
}
