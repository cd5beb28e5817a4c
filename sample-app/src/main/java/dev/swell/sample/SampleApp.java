package dev.swell.sample;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The sample app Swell manages: one jar, two modes. SWELL_COMPONENT=api serves products and
 * takes jobs; SWELL_COMPONENT=worker processes the queue. Both serve /healthz and /metrics.
 */
public final class SampleApp {

  private static final Logger log = LoggerFactory.getLogger(SampleApp.class);
  /** Kubernetes waits terminationGracePeriodSeconds (60 by default for workers) after SIGTERM. */
  static final Duration DRAIN = Duration.ofSeconds(Long.getLong("swell.drainSeconds", 50));

  private SampleApp() {}

  public static void main(String[] args) throws Exception {
    SLF4JBridgeHandler.removeHandlersForRootLogger(); // the HTTP server logs through java.util.logging
    SLF4JBridgeHandler.install();
    Config config;
    try {
      config = Config.from(System.getenv());
    } catch (Config.Invalid e) {
      System.err.println("sample-app: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    Redis redis;
    try {
      redis = new Redis(config.redisUrl(), config.redisPassword());
    } catch (Redis.Unreachable e) {
      System.err.println("sample-app: " + e.getMessage());
      System.exit(1);
      return;
    }
    if (config.component().equals("api")) {
      ApiServer api = new ApiServer(config, redis, new Catalogue(config.sourceDelayMillis()), registry)
          .start(config.port());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        api.close();
        redis.close();
      }, "shutdown"));
      log.info("api listening on {}", api.port());
    } else {
      runWorker(config, redis, registry);
    }
  }

  private static void runWorker(Config config, Redis redis, PrometheusMeterRegistry registry) {
    WebServer http = WebServer.builder()
        .port(config.port())
        .shutdownHook(false)
        .routing(r -> r.get("/healthz", (req, res) -> res.send("ok"))
            .get("/metrics", (req, res) ->
                res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4").send(registry.scrape())))
        .build()
        .start();
    Worker worker = new Worker(config, redis, registry);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("SIGTERM: finishing the batch in hand");
      try {
        if (!worker.stop(DRAIN)) {
          log.warn("batch not finished within {}s; its items stay in the processing list for the next worker",
              DRAIN.toSeconds());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      worker.close();
      http.stop();
      redis.close();
      log.info("worker stopped");
    }, "shutdown"));
    worker.run();
  }
}
