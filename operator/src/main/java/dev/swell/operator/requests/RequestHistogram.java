package dev.swell.operator.requests;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One pod's request-duration histogram as its Prometheus text endpoint reports it: requests
 * finished, their total seconds and the cumulative count per bucket bound, summed over the series
 * (route, method, status) that are not excluded. Counters only grow while the pod lives.
 *
 * @param count requests finished ({@code <name>_count})
 * @param sum seconds spent in them ({@code <name>_sum})
 * @param buckets cumulative count per upper bound ({@code <name>_bucket}, +Inf as infinity)
 */
public record RequestHistogram(double count, double sum, Map<Double, Double> buckets) {

  /** Lines longer than this end the read: no exporter writes them. */
  static final int MAX_LINE = 64 * 1024;

  public static final RequestHistogram EMPTY = new RequestHistogram(0, 0, Map.of());

  /**
   * Reads the histogram {@code name} from Prometheus text (exposition format 0.0.4, which
   * OpenMetrics' text shares for these lines), leaving out series whose {@code routeLabel} is one
   * of {@code excluded}.
   *
   * @throws IOException when the text cannot be read or a line of the histogram is malformed
   */
  public static RequestHistogram parse(
      BufferedReader text, String name, String routeLabel, Collection<String> excluded)
      throws IOException {
    double count = 0;
    double sum = 0;
    Map<Double, Double> buckets = new TreeMap<>();
    String bucket = name + "_bucket";
    String countName = name + "_count";
    String sumName = name + "_sum";
    String line;
    while ((line = text.readLine()) != null) {
      if (line.length() > MAX_LINE) {
        throw new IOException("a line longer than " + MAX_LINE + " characters");
      }
      if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(name)) {
        continue;
      }
      Sample s = Sample.of(line, Set.of(bucket, countName, sumName));
      if (s == null) {
        continue; // another metric whose name starts the same, such as <name>_max
      }
      String route = s.labels.get(routeLabel);
      if (route != null && excluded.contains(route)) {
        continue;
      }
      if (s.name.equals(countName)) {
        count += s.value;
      } else if (s.name.equals(sumName)) {
        sum += s.value;
      } else {
        String le = s.labels.get("le");
        if (le == null) {
          throw new IOException("a bucket without le: " + abbreviate(line));
        }
        buckets.merge(bound(le, line), s.value, Double::sum);
      }
    }
    return new RequestHistogram(count, sum, Map.copyOf(buckets));
  }

  private static double bound(String le, String line) throws IOException {
    if (le.equals("+Inf")) {
      return Double.POSITIVE_INFINITY;
    }
    try {
      return Double.parseDouble(le);
    } catch (NumberFormatException e) {
      throw new IOException("a bucket bound that is no number: " + abbreviate(line));
    }
  }

  static String abbreviate(String line) {
    return line.length() > 120 ? line.substring(0, 120) + "..." : line;
  }

  /** What happened between an earlier read of the same pod and this one; null after a restart. */
  public RequestHistogram since(RequestHistogram earlier) {
    if (count < earlier.count || sum < earlier.sum) {
      return null; // the counters started over: the pod's process restarted
    }
    Map<Double, Double> delta = new TreeMap<>();
    for (Map.Entry<Double, Double> b : buckets.entrySet()) {
      double d = b.getValue() - earlier.buckets.getOrDefault(b.getKey(), 0.0);
      if (d < 0) {
        return null;
      }
      delta.put(b.getKey(), d);
    }
    return new RequestHistogram(count - earlier.count, sum - earlier.sum, Map.copyOf(delta));
  }

  /** The sum of two histograms (of pods, or of intervals). */
  public RequestHistogram plus(RequestHistogram other) {
    Map<Double, Double> merged = new TreeMap<>(buckets);
    other.buckets.forEach((le, c) -> merged.merge(le, c, Double::sum));
    return new RequestHistogram(count + other.count, sum + other.sum, Map.copyOf(merged));
  }

  /**
   * The q-quantile (0 < q < 1) of the requests counted, as PromQL's histogram_quantile: linear
   * within the bucket it falls in; the highest finite bound when it falls in +Inf; 0 when no
   * request was counted.
   */
  public double quantile(double q) {
    TreeMap<Double, Double> sorted = new TreeMap<>(buckets);
    double total = sorted.isEmpty() ? 0 : sorted.lastEntry().getValue();
    if (total <= 0) {
      return 0;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> b : sorted.entrySet()) {
      if (b.getValue() >= rank) {
        if (b.getKey().isInfinite()) {
          return lowerBound;
        }
        double inBucket = b.getValue() - lowerCount;
        return inBucket <= 0
            ? b.getKey()
            : lowerBound + (b.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = b.getKey();
      lowerCount = b.getValue();
    }
    return lowerBound;
  }

  /** One sample line: metric name, labels, value (an optional timestamp after it is ignored). */
  private record Sample(String name, Map<String, String> labels, double value) {

    /** The sample, or null when its metric is not one of names. */
    static Sample of(String line, Set<String> names) throws IOException {
      int i = 0;
      int n = line.length();
      while (i < n && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
        i++;
      }
      String name = line.substring(0, i);
      if (!names.contains(name)) {
        return null;
      }
      Map<String, String> labels = new TreeMap<>();
      if (i < n && line.charAt(i) == '{') {
        i++;
        while (true) {
          while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == ',')) {
            i++;
          }
          if (i < n && line.charAt(i) == '}') {
            i++;
            break;
          }
          int eq = line.indexOf('=', i);
          if (eq < 0 || eq + 1 >= n || line.charAt(eq + 1) != '"') {
            throw new IOException("malformed labels: " + abbreviate(line));
          }
          String key = line.substring(i, eq).strip();
          StringBuilder value = new StringBuilder();
          i = eq + 2;
          while (i < n && line.charAt(i) != '"') {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < n) {
              char e = line.charAt(++i);
              value.append(e == 'n' ? '\n' : e);
            } else {
              value.append(c);
            }
            i++;
          }
          if (i >= n) {
            throw new IOException("an unterminated label value: " + abbreviate(line));
          }
          i++;
          labels.put(key, value.toString());
        }
      }
      String rest = line.substring(i).strip();
      int space = rest.indexOf(' ');
      String number = space < 0 ? rest : rest.substring(0, space);
      double value;
      try {
        value =
            switch (number) {
              case "+Inf" -> Double.POSITIVE_INFINITY;
              case "-Inf" -> Double.NEGATIVE_INFINITY;
              default -> Double.parseDouble(number);
            };
      } catch (NumberFormatException e) {
        throw new IOException("a value that is no number: " + abbreviate(line));
      }
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw new IOException("a counter that is negative, NaN or infinite: " + abbreviate(line));
      }
      return new Sample(name, labels, value);
    }
  }
}
