package dev.swell.sample.http;

import java.util.function.Supplier;

/**
 * What a {@link Handler} makes of a request on the event loop: the answer itself, when it needs no
 * blocking I/O, or the blocking work that will produce it, which the server runs on a virtual
 * thread.
 */
public sealed interface Reply permits Response, Reply.Later {

  /** Work that may block (Redis, a slow source); it runs on a virtual thread of its own. */
  record Later(Supplier<Response> work) implements Reply {}

  static Reply later(Supplier<Response> work) {
    return new Later(work);
  }
}
