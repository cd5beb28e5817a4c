package dev.swell.operator.queue;

/**
 * How to reach a ScalableService's Redis: its URL (redis:// or rediss://) and password, if any. The
 * password is kept out of {@link #toString()} so it never reaches a log.
 */
public record RedisConnection(String url, String password) {
  @Override
  public String toString() {
    return "RedisConnection[" + url + (password == null ? "" : ", password=***") + "]";
  }
}
