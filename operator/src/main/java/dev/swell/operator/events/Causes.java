package dev.swell.operator.events;

/** What a user should read of a failure: the message of its root cause. */
public final class Causes {

  private Causes() {}

  /** The deepest cause's message (WRONGPASS, connection refused, unknown host), or its type. */
  public static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
