package dev.swell.sample;

import java.util.Set;

/**
 * The api's routes, each with its methods and whether the rate limit applies; the tag names it in
 * metrics.
 */
enum Route {
  PRODUCT("/products/{id}", true, "GET", "PUT"),
  JOBS("/jobs", true, "POST"),
  JOB("/jobs/{id}", true, "GET"),
  HEALTHZ("/healthz", false, "GET"),
  READYZ("/readyz", false, "GET"),
  METRICS("/metrics", false, "GET"),
  UNMATCHED("unmatched", false);

  final String tag;
  final boolean rateLimited;
  final Set<String> methods;

  Route(String tag, boolean rateLimited, String... methods) {
    this.tag = tag;
    this.rateLimited = rateLimited;
    this.methods = Set.of(methods);
  }

  static Route of(String path) {
    return switch (path) {
      case "/jobs" -> JOBS;
      case "/healthz" -> HEALTHZ;
      case "/readyz" -> READYZ;
      case "/metrics" -> METRICS;
      default ->
          lastSegment(path, "/products/") ? PRODUCT : lastSegment(path, "/jobs/") ? JOB : UNMATCHED;
    };
  }

  private static boolean lastSegment(String path, String prefix) {
    return path.length() > prefix.length()
        && path.startsWith(prefix)
        && path.indexOf('/', prefix.length()) < 0;
  }
}
