package dev.swell.sample;

import dev.swell.sample.http.HttpServer;
import dev.swell.sample.http.Response;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample app Swell manages: one jar, two modes. SWELL_COMPONENT=api serves products and takes
 * jobs; SWELL_COMPONENT=worker processes the queue. Both serve /healthz and /metrics.
 */
public final class SampleApp {

  private static final Logger log = LoggerFactory.getLogger(SampleApp.class);

  /** Kubernetes waits terminationGracePeriodSeconds (60 by default for workers) after SIGTERM. */
  private SampleApp() {}

  public static void main(String[] args) throws Exception {
    // Netty's object recycler hands each pooled object back through a cross-thread queue; on the
    // api's hot path that took ~5% of the CPU in a profile, more than allocating them afresh costs
    if (System.getProperty("io.netty.recycler.maxCapacityPerThread") == null) {
      System.setProperty("io.netty.recycler.maxCapacityPerThread", "0");
    }
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
      ApiServer api =
          new ApiServer(
                  config,
                  redis,
                  new Catalogue(redis, config.sourceDelayMillis(), config.sourceConcurrency()),
                  registry)
              .start(config.port());
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    api.close();
                    redis.close();
                  },
                  "shutdown"));
      log.info("api listening on {}", api.port());
    } else {
      runWorker(config, redis, registry);
    }
  }

  private static void runWorker(Config config, Redis redis, PrometheusMeterRegistry registry) {
    Worker worker = new Worker(config, redis, registry);
    HttpServer http =
        HttpServer.start(
            "worker-http",
            config.port(),
            0,
            req ->
                switch (req.path()) {
                  case "/healthz" ->
                      worker.healthy()
                          ? Response.text(200, "ok")
                          : Response.error(503, "the worker loop ended; see the log");
                  case "/readyz" ->
                      worker.ready()
                          ? Response.text(200, "ok")
                          : Response.error(503, "cannot reach Redis");
                  case "/metrics" -> ApiServer.scrape(registry);
                  default -> Response.error(404, "not found: " + req.path());
                });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("SIGTERM: finishing the batch in hand");
                  try {
                    Duration drain = config.drain();
                    if (!worker.stop(drain)) {
                      log.warn(
                          "batch not finished within {}s; its items stay in the processing list for the next worker",
                          drain.toSeconds());
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  worker.close();
                  http.close();
                  redis.close();
                  log.info("worker stopped");
                },
                "shutdown"));
    worker.run();
  }
}
