package dev.swell.operator.scaling;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * An autoscaler's loops and their threads: one loop per ScalableService on a virtual thread of its
 * own, ticking every poll interval with the service's name in the log context, until the loop is
 * removed, stops, or its Deployment stays absent for {@link #ABSENT_LIMIT}.
 */
final class LoopThreads<L extends LoopThreads.Loop> {

  private static final Logger log = LoggerFactory.getLogger(LoopThreads.class);

  /** How long stopAll() waits for the loops' threads. */
  static final Duration STOP_WAIT = Duration.ofSeconds(2);

  /** A loop whose Deployment stays absent (or is no longer this service's) this long stops. */
  static final Duration ABSENT_LIMIT = Duration.ofSeconds(30);

  /** What a thread runs. */
  interface Loop {
    /** One evaluation; false when there is no Deployment to scale. Never throws on purpose. */
    boolean tick();

    boolean stopped();

    Duration pollInterval();

    /** A tick under way writes nothing more, and no tick follows. */
    void stop();
  }

  private record Running<L>(L loop, Thread thread) {}

  private final Clock clock;
  private final String kind;
  private final Consumer<ResourceID> forget;
  private final Map<ResourceID, Running<L>> loops = new ConcurrentHashMap<>();

  /** Threads of loops still running, removed ones included until they end. */
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();

  /**
   * @param kind names the threads and the log lines
   * @param forget the autoscaler's own forgetting of a service, which calls {@link #remove}: for a
   *     loop whose Deployment stays absent, and for {@link #stop} and {@link #stopAll}
   */
  LoopThreads(Clock clock, String kind, Consumer<ResourceID> forget) {
    this.clock = clock;
    this.kind = kind;
    this.forget = forget;
  }

  /** The service's loop, made by {@code create} and started if it has none. */
  L track(ResourceID id, Function<ResourceID, L> create) {
    return loops
        .computeIfAbsent(
            id,
            k -> {
              L loop = create.apply(k);
              Thread thread = start(k, loop);
              log.info(
                  "started the {} of {}/{} (poll every {} ms)",
                  kind,
                  k.getNamespace().orElse(""),
                  k.getName(),
                  loop.pollInterval().toMillis());
              return new Running<>(loop, thread);
            })
        .loop();
  }

  /** The service's loop, or null. */
  L get(ResourceID id) {
    Running<L> r = loops.get(id);
    return r == null ? null : r.loop();
  }

  /** The loops running now. */
  Collection<L> loops() {
    return loops.values().stream().map(Running::loop).toList();
  }

  /** Stops the service's loop and interrupts its thread; the loop, or null if it had none. */
  L remove(ResourceID id) {
    Running<L> r = loops.remove(id);
    if (r == null) {
      return null;
    }
    r.loop().stop();
    r.thread().interrupt();
    log.info("stopped the {} of {}/{}", kind, id.getNamespace().orElse(""), id.getName());
    return r.loop();
  }

  /**
   * Forgets the services that match (a shard this replica no longer holds) and waits (about {@link
   * #STOP_WAIT} at most) until none of their loops can write again.
   */
  void stop(Predicate<ResourceID> which) {
    List<Thread> stopping = new ArrayList<>();
    for (Map.Entry<ResourceID, Running<L>> e : List.copyOf(loops.entrySet())) {
      if (which.test(e.getKey())) {
        stopping.add(e.getValue().thread());
        forget.accept(e.getKey());
      }
    }
    join(stopping);
  }

  /** Forgets every service and waits until no loop can write again (a lost Lease). */
  void stopAll() {
    List<Thread> alive = List.copyOf(running);
    List.copyOf(loops.keySet()).forEach(forget);
    join(alive); // all were interrupted at once: they end together
  }

  private Thread start(ResourceID id, Loop loop) {
    Thread thread =
        Thread.ofVirtual()
            .name(kind + "-" + id.getNamespace().orElse("") + "-" + id.getName())
            .unstarted(
                () -> {
                  try {
                    run(id, loop);
                  } finally {
                    running.remove(Thread.currentThread());
                  }
                });
    running.add(thread);
    thread.start();
    return thread;
  }

  /** How many loop threads are alive. */
  int size() {
    return running.size();
  }

  /** Waits (about {@link #STOP_WAIT} at most) for threads that were all interrupted at once. */
  private static void join(List<Thread> threads) {
    for (Thread t : threads) {
      try {
        t.join(STOP_WAIT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void run(ResourceID id, Loop loop) {
    Instant absentSince = null;
    while (!Thread.currentThread().isInterrupted() && !loop.stopped()) {
      // every tick: JOSDK, handed a reconcile request on this thread, clears these keys after it
      MDC.put("resource.namespace", id.getNamespace().orElse(""));
      MDC.put("resource.name", id.getName());
      Instant started = clock.instant();
      try {
        if (loop.tick()) {
          absentSince = null;
        } else if (absentSince == null) {
          absentSince = started;
        } else if (Duration.between(absentSince, started).compareTo(ABSENT_LIMIT) > 0) {
          // deleted with its ScalableService (children go by garbage collection, without a
          // reconcile to tell us); if the service still exists, its next reconcile starts us again
          forget.accept(id);
          return;
        }
      } catch (RuntimeException e) {
        log.warn("{} evaluation failed: {}", kind, e.getMessage());
      }
      Duration sleep = loop.pollInterval().minus(Duration.between(started, clock.instant()));
      try {
        Thread.sleep(sleep.isNegative() ? Duration.ZERO : sleep);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
