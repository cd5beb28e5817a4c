package dev.swell.sample;

/** The Redis keys of a queue, as the operator reads them (the contract in the API design). */
public record Keys(String queue) {
  public String processing(String pod) {
    return queue + ":processing:" + pod;
  }

  public String processingPattern() {
    return queue + ":processing:*";
  }

  /** The workers that have had a processing list: where stranded items are looked for. */
  public String consumers() {
    return queue + ":consumers";
  }

  public String processed() {
    return queue + ":processed";
  }

  public String dead() {
    return queue + ":dead";
  }

  public String job(String id) {
    return queue + ":job:" + id;
  }

  /**
   * The workers' heartbeats: a hash of pod to the Redis time (ms) of its last beat. It has no
   * expiry, so a Redis that evicts keys with one (volatile-ttl) never drops it: a worker is dead
   * when its beat is older than the TTL, not when a key is gone.
   */
  public String heartbeats() {
    return queue + ":heartbeats";
  }

  public String invalidations() {
    return queue + ":invalidate";
  }

  public static String product(long id) {
    return "product:" + id;
  }
}
