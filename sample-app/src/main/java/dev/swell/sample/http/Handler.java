package dev.swell.sample.http;

/** The application behind an {@link HttpServer}. */
public interface Handler {

  /**
   * Called on the event loop, so it must not block: answer at once, or hand back the blocking part
   * as {@link Reply#later}. An exception becomes a 500 with a JSON error.
   */
  Reply handle(Request request);

  /** Called once a response has been written, with the time since the request was read. */
  default void completed(Request request, int status, long nanos) {}
}
