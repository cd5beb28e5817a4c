package dev.swell.operator.scaling;

/**
 * The replica count a loop last wrote, believed over what its informer shows until the informer has
 * seen the Deployment at the generation that write produced. Informers lag behind writes (by
 * seconds when the API server is busy); a loop that trusted a stale count would decide and write
 * the same change again every tick, adding to the very load that delays the informer.
 */
final class OwnWrite {

  private Integer replicas;
  private long generation;

  /** The count to decide from: the informer's once it has caught up with the last write. */
  synchronized int current(int seen, Long seenGeneration) {
    if (replicas != null && seenGeneration != null && seenGeneration < generation) {
      return replicas;
    }
    replicas = null;
    return seen;
  }

  /** A write of {@code replicas} that left the Deployment at {@code generation}. */
  synchronized void wrote(int replicas, long generation) {
    this.replicas = replicas;
    this.generation = generation;
  }
}
