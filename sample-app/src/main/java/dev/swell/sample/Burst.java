package dev.swell.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A burst of jobs for demos and benchmarks: {@code java -cp swell-sample-app.jar
 * dev.swell.sample.Burst http://host:port 3000} posts that many jobs, 64 at a time.
 */
public final class Burst {

  private Burst() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Burst <api base url> <jobs>");
      System.exit(2);
    }
    String base = args[0];
    int jobs = Integer.parseInt(args[1]);
    HttpClient http =
        HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    long start = System.nanoTime();
    try (var pool = Executors.newFixedThreadPool(64, Thread.ofVirtual().factory())) {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        int n = i;
        sent.add(
            pool.submit(
                () -> {
                  HttpRequest req =
                      HttpRequest.newBuilder(URI.create(base + "/jobs"))
                          .header("Content-Type", "application/json")
                          .POST(
                              HttpRequest.BodyPublishers.ofString(
                                  "{\"payload\":{\"n\":" + n + "}}"))
                          .build();
                  try {
                    int code = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                    (code == 202 ? accepted : refused).incrementAndGet();
                  } catch (Exception e) {
                    refused.incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : sent) {
        f.get();
      }
    }
    System.out.printf(
        "burst: %d accepted, %d refused in %d ms%n",
        accepted.get(), refused.get(), (System.nanoTime() - start) / 1_000_000);
  }
}
