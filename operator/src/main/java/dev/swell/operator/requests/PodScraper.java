package dev.swell.operator.requests;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Reads the request histogram of many pods at once, straight from each pod's IP (no Service, no
 * Prometheus in between). A pod that does not answer in time, answers with an error or with text
 * that is not a histogram, or sends more than {@link #MAX_BODY} bytes gives its reason instead.
 */
public final class PodScraper implements AutoCloseable {

  /** A metrics page longer than this is refused: Micrometer's whole registry is far smaller. */
  static final long MAX_BODY = 16L * 1024 * 1024;

  /** Where and what to read. */
  public record Endpoint(
      int port, String path, String histogram, String routeLabel, List<String> excludedRoutes) {
    public Endpoint {
      excludedRoutes = List.copyOf(excludedRoutes);
    }
  }

  /** One pod's answer: its histogram, or why there is none. */
  public record Answer(RequestHistogram histogram, String error) {}

  private final HttpClient http;

  public PodScraper() {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
  }

  /** The answers of the pods (name -> IP), each within the timeout. */
  public Map<String, Answer> read(Map<String, String> podIps, Endpoint e, Duration timeout) {
    Map<String, CompletableFuture<Answer>> pending = new HashMap<>();
    podIps.forEach((pod, ip) -> pending.put(pod, read(ip, e, timeout)));
    Map<String, Answer> answers = new HashMap<>();
    pending.forEach((pod, f) -> answers.put(pod, f.join()));
    return answers;
  }

  private CompletableFuture<Answer> read(String ip, Endpoint e, Duration timeout) {
    URI uri;
    try {
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      uri = URI.create("http://" + host + ":" + e.port() + e.path());
    } catch (IllegalArgumentException bad) {
      return CompletableFuture.completedFuture(new Answer(null, "no usable pod IP " + ip));
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "text/plain;version=0.0.4")
            .GET()
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
        .thenApply(response -> answer(response, e))
        .completeOnTimeout(
            new Answer(null, uri + ": no whole answer within " + timeout.toMillis() + " ms"),
            timeout.toMillis(),
            TimeUnit.MILLISECONDS)
        .exceptionally(
            t -> {
              Throwable cause = t.getCause() != null ? t.getCause() : t;
              String why =
                  cause instanceof HttpTimeoutException
                      ? "no answer within " + timeout.toMillis() + " ms"
                      : cause.getClass().getSimpleName()
                          + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
              return new Answer(null, uri + ": " + why);
            });
  }

  private static Answer answer(HttpResponse<InputStream> response, Endpoint e) {
    try (InputStream body = new Bounded(response.body(), MAX_BODY)) {
      if (response.statusCode() != 200) {
        return new Answer(null, response.uri() + ": HTTP " + response.statusCode());
      }
      BufferedReader text =
          new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 8192);
      return new Answer(
          RequestHistogram.parse(text, e.histogram(), e.routeLabel(), e.excludedRoutes()), null);
    } catch (IOException failed) {
      return new Answer(null, response.uri() + ": " + failed.getMessage());
    }
  }

  /** A stream that fails once more than its limit has been read. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && --left < 0) {
        throw new IOException("a metrics page over " + MAX_BODY + " bytes");
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0 && (left -= n) < 0) {
        throw new IOException("a metrics page over " + MAX_BODY + " bytes");
      }
      return n;
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
