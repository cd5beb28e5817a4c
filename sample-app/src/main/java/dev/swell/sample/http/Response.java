package dev.swell.sample.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A whole response: status, content type, body and extra headers. Headers that repeat are best
 * built once as constants ({@link Header#of}), so a hot response allocates little.
 */
public record Response(int status, CharSequence contentType, byte[] body, List<Header> headers)
    implements Reply {

  private static final CharSequence TEXT = AsciiString.cached("text/plain; charset=utf-8");
  public static final CharSequence JSON = AsciiString.cached("application/json");

  /** One header; the name and value are kept as given (use AsciiString constants for speed). */
  public record Header(CharSequence name, CharSequence value) {
    public static Header of(String name, Object value) {
      return new Header(AsciiString.cached(name), AsciiString.cached(String.valueOf(value)));
    }
  }

  public static Response text(int status, String body) {
    return new Response(status, TEXT, body.getBytes(StandardCharsets.UTF_8), List.of());
  }

  public static Response json(int status, byte[] body) {
    return new Response(status, JSON, body, List.of());
  }

  /** {@code {"error": message}}: how every error reads, so a client can show why. */
  public static Response error(int status, String message) {
    char[] quoted = JsonStringEncoder.getInstance().quoteAsString(message);
    return json(
        status, ("{\"error\":\"" + new String(quoted) + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  /** This response with more headers in front of its own. */
  public Response with(List<Header> more) {
    if (more.isEmpty()) {
      return this;
    }
    if (headers.isEmpty()) {
      return new Response(status, contentType, body, more);
    }
    Header[] all = new Header[more.size() + headers.size()];
    int i = 0;
    for (Header h : more) {
      all[i++] = h;
    }
    for (Header h : headers) {
      all[i++] = h;
    }
    return new Response(status, contentType, body, List.of(all));
  }
}
