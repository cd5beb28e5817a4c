package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The packaged operator (target/swell-operator jar and target/lib, what `make run` and the image
 * start) as a process of its own, so that its CPU, memory and requests are its alone: read from
 * /proc and from its own /metrics.
 */
final class OperatorProcess implements AutoCloseable {

  private static final Path TARGET = Path.of("target").toAbsolutePath();

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private OperatorProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the operator watching one namespace, without leader election, with this max heap. */
  static OperatorProcess start(String namespace, String maxHeap) {
    return start(namespace, maxHeap, Map.of());
  }

  /** The same, with more of the operator's environment (SHARDS, POD_NAME). */
  static OperatorProcess start(String namespace, String maxHeap, Map<String, String> env) {
    Path jar = TARGET.resolve("swell-operator-0.1.0-SNAPSHOT.jar");
    assertThat(jar).as("the packaged operator (mvn package runs before the E2E layer)").exists();
    int port = freePort();
    try {
      Path log = Files.createTempFile("swell-operator-", ".log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx" + maxHeap);
      // e.g. -Dswell.bench.operatorJvmArgs=-XX:StartFlightRecording=filename=op.jfr for a profile
      String extra = System.getProperty("swell.bench.operatorJvmArgs", "").strip();
      if (!extra.isEmpty()) {
        command.addAll(List.of(extra.split("\\s+")));
      }
      command.addAll(
          List.of(
              "-cp", jar + ":" + TARGET.resolve("lib") + "/*", "dev.swell.operator.SwellOperator"));
      ProcessBuilder pb =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment()
          .putAll(
              Map.of(
                  "WATCH_NAMESPACES",
                  namespace,
                  "LEADER_ELECTION",
                  "false",
                  "HTTP_PORT",
                  String.valueOf(port)));
      pb.environment().putAll(env);
      OperatorProcess p = new OperatorProcess(pb.start(), port, log);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (p.metrics().isEmpty()) {
        assertThat(p.process.isAlive())
            .as("the operator is running; its log:%n%s", p.log())
            .isTrue();
        assertThat(System.nanoTime()).as("the operator answers /metrics").isLessThan(deadline);
        Thread.sleep(200);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Heap in use right after a full collection (jcmd GC.run): what the operator really holds. */
  double liveHeapBytes() {
    try {
      Process gc =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  String.valueOf(pid()),
                  "GC.run")
              .redirectErrorStream(true)
              .start();
      gc.getInputStream().readAllBytes();
      gc.waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
    return sum(scrape(), "jvm_memory_used_bytes", l -> l.contains("area=\"heap\""));
  }

  /** Its /metrics text; empty when it does not answer. */
  String metrics() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Its /metrics text, asked again (for up to a minute) while it does not answer. */
  String scrape() {
    for (int i = 0; i < 30; i++) {
      String text = metrics();
      if (!text.isEmpty()) {
        return text;
      }
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("the operator's /metrics does not answer; its log:\n" + log());
  }

  /**
   * The sum of a metric's samples whose labels pass the filter (NaN when it has none), from
   * Prometheus text.
   */
  static double sum(String metrics, String name, Predicate<String> labels) {
    double total = 0;
    boolean any = false;
    for (String line : metrics.lines().toList()) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      String labelText = "";
      if (rest.startsWith("{")) {
        int end = rest.indexOf('}');
        labelText = rest.substring(1, end);
        rest = rest.substring(end + 1);
      } else if (!rest.startsWith(" ")) {
        continue; // another metric with this one's name as its prefix
      }
      if (labels.test(labelText)) {
        total += Double.parseDouble(rest.trim().split(" ")[0]);
        any = true;
      }
    }
    return any ? total : Double.NaN;
  }

  double metric(String name) {
    return sum(metrics(), name, l -> true);
  }

  /** User plus system CPU seconds the process has used, from /proc. */
  double cpuSeconds() {
    return cpuSeconds(pid());
  }

  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /** Resident memory in bytes, from /proc. */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // gone
    }
    return -1;
  }

  String log() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Lines of its log that match, for a report. */
  List<String> logLines(Predicate<String> match) {
    try {
      return new ArrayList<>(Files.readAllLines(log).stream().filter(match).toList());
    } catch (IOException e) {
      return List.of();
    }
  }

  /** SIGKILL, as the kubelet does after a liveness failure or an OOM. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      kill();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file left behind
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
