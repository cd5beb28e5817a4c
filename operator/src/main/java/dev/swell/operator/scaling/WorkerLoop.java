package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.autoscaling.QueueReading;
import dev.swell.operator.autoscaling.QueueScaler;
import dev.swell.operator.autoscaling.QueueTarget;
import dev.swell.operator.autoscaling.ScalingHistory;
import dev.swell.operator.autoscaling.ThroughputWindow;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.events.Causes;
import dev.swell.operator.queue.Backlog;
import dev.swell.operator.queue.QueueBacklogSource;
import dev.swell.operator.queue.QueueRef;
import dev.swell.operator.queue.RedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One evaluation of one ScalableService's worker: read the queue, decide, protect busy pods, scale.
 * Everything it talks to is passed in; {@link WorkerAutoscaler} runs it every poll interval.
 */
final class WorkerLoop implements LoopThreads.Loop {

  /** What the loop needs to know of the ScalableService, replaced on every reconcile. */
  record Config(
      ScalableService service,
      QueueTarget target,
      QueueRef queue,
      RedisConnection redis,
      Duration pollInterval,
      boolean paused) {}

  /** Where a tick's outcome goes: events, metrics, and a nudge to reconcile the status. */
  interface Listener {
    void scaled(ScalableService service, Decision decision);

    void evaluated(ScalableService service, Decision decision, Backlog backlog, Duration took);

    void statusChanged(ScalableService service);

    /** Busy pods got a deletion cost before a scale-down (pod name -> items it holds). */
    void protectedBusyPods(ScalableService service, Map<String, Long> busy);
  }

  static final Duration THROUGHPUT_SPAN = Duration.ofSeconds(30);

  /** Backlog changes reach the status at most this often; decisions and failures at once. */
  static final Duration STATUS_REFRESH = Duration.ofSeconds(5);

  static final int BUSY_COST = 1000;

  /**
   * The source fails its own reads in time ({@link WorkerAutoscaler#READ_PATIENCE} at most); this
   * bound only keeps a loop from waiting forever on one that does not.
   */
  static final Duration READ_BOUND = Duration.ofSeconds(10);

  private final QueueBacklogSource source;
  private final ReplicaRealizer realizer;
  private final QueueScaler scaler;
  private final Clock clock;
  private final Function<ScalableService, WorkerPods> workers;
  private final Listener listener;
  private volatile Config config;
  private ScalingHistory history;
  private ThroughputWindow throughput = ThroughputWindow.EMPTY;
  private volatile WorkerScalingSnapshot snapshot;
  private Instant lastStatusNudge = Instant.EPOCH;

  /** The snapshot the status was last asked to show: drift is measured from it. */
  private WorkerScalingSnapshot nudged;

  private volatile boolean stopped;

  /** The count this loop last wrote, until the informer shows it. */
  private final OwnWrite own = new OwnWrite();

  /** Whether a tick has run: the first one decides where the history starts. */
  private boolean ticked;

  WorkerLoop(
      Config config,
      QueueBacklogSource source,
      ReplicaRealizer realizer,
      Clock clock,
      Function<ScalableService, WorkerPods> workers,
      Listener listener) {
    this.config = config;
    this.source = source;
    this.realizer = realizer;
    this.scaler = new QueueScaler(clock);
    this.clock = clock;
    this.workers = workers;
    this.listener = listener;
    this.history = ScalingHistory.start(clock.instant());
  }

  void update(Config config) {
    this.config = config;
  }

  /** From now on, no tick writes anything: the loop's service was forgotten. */
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

  WorkerScalingSnapshot snapshot() {
    return snapshot;
  }

  /**
   * One evaluation; never throws (a failure is a failed read or a logged error). Returns false when
   * there is no worker Deployment to scale (not created yet, or deleted with its ScalableService).
   */
  @Override
  public synchronized boolean tick() {
    Config c = config;
    Instant start = clock.instant();
    WorkerPods pods = workers.apply(c.service());
    if (pods.replicas() == null) {
      return false;
    }
    int current = own.current(pods.replicas(), pods.generation());
    if (!ticked) {
      ticked = true;
      if (pods.generation() != null && pods.generation() == 1) {
        // created without replicas and never changed since: the count is the API server's
        // default (1), not a decision, and an empty queue takes it to the minimum at once
        history = ScalingHistory.neverScaled();
      }
    }
    if (history.recommendations().isEmpty()
        && history.scaleDowns().isEmpty()
        && history.scaleUps().isEmpty()
        && history.lastActive() != null) {
      // a fresh loop (or a restarted operator) has no memory: the count it finds stands as a
      // recommendation, so the scale-down window holds it instead of dropping workers at once
      history = history.seeded(clock.instant(), current);
    }
    Backlog backlog = null;
    QueueReading reading;
    String error = null;
    try {
      backlog =
          source
              .read(c.redis(), c.queue(), pods.pods())
              .toCompletableFuture()
              .get(READ_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      throughput = throughput.add(clock.instant(), backlog.processed(), current, THROUGHPUT_SPAN);
      reading =
          new QueueReading.Observed(
              backlog.backlog(), backlog.inFlight(), throughput.perReplicaPerSecond());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stopped while reading: the runner ends the loop
      return true;
    } catch (Exception e) {
      error = describe(e);
      reading = new QueueReading.Failed(error);
    }
    if (stopped) {
      return true;
    }
    Decision decision = scaler.decide(c.target(), current, reading, c.paused(), history);
    history = decision.history();
    if (decision.changes()) {
      if (decision.to() < current && backlog != null) {
        protectBusyPods(c, pods, backlog);
      }
      own.wrote(
          decision.to(),
          realizer.scale(
              c.service().getMetadata().getNamespace(),
              ChildNames.of(c.service(), Component.WORKER),
              decision.to()));
      listener.scaled(c.service(), decision);
    }
    listener.evaluated(c.service(), decision, backlog, Duration.between(start, clock.instant()));
    publish(c, decision, backlog, error);
    return true;
  }

  private void publish(Config c, Decision decision, Backlog backlog, String failure) {
    WorkerScalingSnapshot before = snapshot;
    Instant now = clock.instant();
    // the fallback counts every failure, a single one too
    boolean fallback =
        failure != null
            && c.target().fallbackReplicas() != null
            && decision.history().consecutiveFailures() >= c.target().fallbackAfterFailures();
    String error =
        ReadErrors.shown(
            failure,
            decision.history().consecutiveFailures(),
            before != null && before.readError() == null && !fallback);
    WorkerScalingSnapshot.Change change =
        decision.changes()
            ? new WorkerScalingSnapshot.Change(
                now, decision.from(), decision.to(), decision.message())
            : before == null ? null : before.lastChange();
    WorkerScalingSnapshot next =
        new WorkerScalingSnapshot(
            backlog != null
                ? Long.valueOf(backlog.backlog())
                : before == null ? null : before.backlog(),
            backlog != null
                ? Long.valueOf(backlog.inFlight())
                : before == null ? null : before.inFlight(),
            decision.to(),
            change,
            error,
            fallback,
            c.paused());
    snapshot = next;
    boolean urgent =
        before == null
            || decision.changes()
            || !Objects.equals(before.readError() == null, error == null)
            || before.fallback() != next.fallback()
            || before.paused() != next.paused()
            || (before.backlog() == null) != (next.backlog() == null)
            || before.backlog() != null && (before.backlog() == 0) != (next.backlog() == 0);
    // against what the status was last asked to show: a backlog that moved once, within the
    // refresh, and then stayed, still reaches it
    boolean drifted =
        nudged != null
            && (!Objects.equals(nudged.backlog(), next.backlog())
                || !Objects.equals(nudged.inFlight(), next.inFlight()));
    if (urgent || drifted && !now.isBefore(lastStatusNudge.plus(STATUS_REFRESH))) {
      lastStatusNudge = now;
      nudged = next;
      listener.statusChanged(c.service());
    }
  }

  /**
   * Before a scale-down, busy pods get a high deletion cost and idle ones lose theirs, so the
   * ReplicaSet removes idle pods first; the worker's own graceful drain covers the rest.
   */
  private void protectBusyPods(Config c, WorkerPods pods, Backlog backlog) {
    Map<String, Integer> changes = new HashMap<>();
    for (String pod : pods.pods()) {
      long inFlight = backlog.inFlightByPod().getOrDefault(pod, 0L);
      Integer wanted = inFlight > 0 ? BUSY_COST + (int) Math.min(inFlight, 1_000_000) : null;
      if (!Objects.equals(wanted, pods.deletionCosts().get(pod))) {
        changes.put(pod, wanted);
      }
    }
    if (!changes.isEmpty()) {
      realizer.setDeletionCosts(c.service().getMetadata().getNamespace(), changes);
      Map<String, Long> busy = new TreeMap<>();
      changes.forEach(
          (pod, cost) -> {
            if (cost != null) {
              busy.put(pod, backlog.inFlightByPod().get(pod));
            }
          });
      if (!busy.isEmpty()) {
        listener.protectedBusyPods(c.service(), busy);
      }
    }
  }

  private static String describe(Throwable e) {
    if (e instanceof TimeoutException) {
      return "reading the queue timed out";
    }
    return Causes.rootMessage(e);
  }
}
