package dev.swell.operator.api;

/**
 * Every default of the spec that code applies, in one place: the model's field initializers and
 * {@code @Default} annotations (what `kubectl explain` and the API server show) and the builders
 * read them from here.
 */
public final class Defaults {

  private Defaults() {}

  /** The api's replicas when it has neither {@code replicas} nor {@code autoscaling}. */
  public static final int API_REPLICAS = 1;

  /** The port the app containers listen on. */
  public static final int PORT = 8080;

  public static final int MIN_WORKERS = 0;
  public static final int MAX_WORKERS = 10;
  public static final long TARGET_BACKLOG_PER_REPLICA = 20;
  public static final long ACTIVATION_BACKLOG = 0;
  public static final String POLL_INTERVAL = "1s";
  public static final String COOLDOWN = "300s";
  public static final int FALLBACK_AFTER_FAILURES = 3;
  public static final long WORKER_GRACE_PERIOD_SECONDS = 60;

  /** Requests of an app or Redis container that gives none. */
  public static final String CPU_REQUEST = "100m";

  public static final String MEMORY_REQUEST = "128Mi";

  /** Where and what Swell reads from the api pods (Micrometer's names). */
  public static final String SCRAPE_PATH = "/metrics";

  public static final String REQUEST_HISTOGRAM = "http_server_requests_seconds";
  public static final String ROUTE_LABEL = "route";
  public static final double LATENCY_PERCENTILE = 95;
  public static final int BURST_THRESHOLD = 200;
  public static final String BURST_DURATION = "60s";

  public static final String CACHE_TTL = "300s";
  public static final int RATE_LIMIT_RPS = 50;
}
