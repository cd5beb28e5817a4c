package dev.swell.operator.queue;

import java.time.Duration;
import java.util.Map;

/**
 * One atomic read of a worker queue.
 *
 * @param waiting items in the queue list
 * @param inFlight items in the workers' processing lists, summed
 * @param inFlightByPod the same per worker pod (only pods with items)
 * @param processed the workers' processed counter (monotonic until Redis loses it)
 * @param stranded items in the processing lists of workers that are gone, to be re-queued
 * @param latency how long the read took
 */
public record Backlog(
    long waiting,
    long inFlight,
    Map<String, Long> inFlightByPod,
    long processed,
    long stranded,
    Duration latency) {

  /** What waits for a worker: the queue and the stranded items. */
  public long backlog() {
    return waiting + stranded;
  }
}
