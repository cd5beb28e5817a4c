package dev.swell.operator.scaling;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The threads of an autoscaler's loops: one virtual thread per ScalableService, ticking every poll
 * interval with the service's name in the log context, until the loop stops, its thread is
 * interrupted, or its Deployment stays absent for {@link #ABSENT_LIMIT}.
 */
final class LoopThreads {

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
  }

  private final Clock clock;
  private final String kind;

  /** Threads of loops still running, forgotten ones included until they end. */
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();

  LoopThreads(Clock clock, String kind) {
    this.clock = clock;
    this.kind = kind;
  }

  /** Starts the loop's thread; {@code forget} is called when its Deployment stays absent. */
  Thread start(ResourceID id, Loop loop, Consumer<ResourceID> forget) {
    Thread thread =
        Thread.ofVirtual()
            .name(kind + "-" + id.getNamespace().orElse("") + "-" + id.getName())
            .unstarted(
                () -> {
                  try {
                    run(id, loop, forget);
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

  Set<Thread> running() {
    return running;
  }

  /** Waits (about {@link #STOP_WAIT} at most) for threads that were all interrupted at once. */
  static void join(List<Thread> threads) {
    for (Thread t : threads) {
      try {
        t.join(STOP_WAIT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void run(ResourceID id, Loop loop, Consumer<ResourceID> forget) {
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
