package dev.swell.operator.scaling;

import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Bounds the writes that the scaling loops and the event sink have in flight at once, process wide.
 * The operator's client sends every request over one HTTP/2 connection to the API server, and the
 * JDK's client fails a request past the server's stream limit (kube-apiserver: 250 per connection)
 * instead of queueing it: at 5,000 services a burst of decisions went past it and lost writes ("too
 * many concurrent streams"). A write waits here instead, as in a queue (the loops run on virtual
 * threads: waiting costs no platform thread). JOSDK's reconciles are bounded by its own pools (50
 * and 50), so all together stay under the limit.
 */
public final class WriteGate {

  public static final int PERMITS = 64;
  private static final Semaphore SLOTS = new Semaphore(PERMITS, true);

  private WriteGate() {}

  /** Runs one write when a slot is free; an interrupt while waiting is a failed write. */
  public static <T> T call(Supplier<T> write) {
    try {
      SLOTS.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to write", e);
    }
    try {
      return write.get();
    } finally {
      SLOTS.release();
    }
  }

  /** Writes in flight now. */
  static int inFlight() {
    return PERMITS - SLOTS.availablePermits();
  }
}
