package dev.swell.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Runs a job framework's own processes beside a real redis-server and compares what Swell reads
 * with what the framework itself reports: worker processes as pods (their hostname the pod's), a
 * long-running probe that prints the framework's own counts, and the loop that compares the two at
 * every step where the framework's report did not move around Swell's read. The frameworks come
 * from hack/install-deps.sh and hack/frameworks/install.sh ({@code make test} runs both); a missing
 * one fails the test.
 */
abstract class FrameworkHarness {

  static final Path FRAMEWORKS = Path.of("../hack/frameworks").toAbsolutePath().normalize();
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> PODS = List.of("pod-a", "pod-b");
  static final int TASKS = 6;
  static final double TASK_SECONDS = 2.0;

  RedisServer redis;
  RedisBacklogSource swell;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void start() {
    redis = RedisServer.plain().start();
    swell = new RedisBacklogSource(Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    swell.close();
    redis.close();
  }

  static Path python() throws Exception {
    Path python = Path.of(run(FRAMEWORKS.resolve("install.sh").toString(), "--python").trim());
    assertThat(python).as("the frameworks' virtualenv: hack/frameworks/install.sh").isExecutable();
    return python;
  }

  static String run(String... cmd) throws Exception {
    return run(Map.of(), cmd);
  }

  static String run(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().putAll(env);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s:%n%s", String.join(" ", cmd), out).isZero();
    return out;
  }

  Process spawn(String name, Map<String, String> env, String... cmd) throws IOException {
    Path log = Path.of("target", "frameworks", name + ".log");
    Files.createDirectories(log.getParent());
    ProcessBuilder b =
        new ProcessBuilder(cmd)
            .directory(FRAMEWORKS.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    b.environment().putAll(env);
    Process p = b.start();
    processes.add(p);
    return p;
  }

  /** A worker process whose hostname is the pod's name, as in a pod (its own UTS namespace). */
  Process asPod(String pod, Map<String, String> env, String... cmd) throws IOException {
    List<String> wrapped =
        new ArrayList<>(
            List.of("unshare", "--uts", "sh", "-c", "hostname " + pod + " && exec \"$@\"", "sh"));
    wrapped.addAll(List.of(cmd));
    return spawn(pod, env, wrapped.toArray(String[]::new));
  }

  /** The framework's own counts, one JSON line per request, from a long-running probe. */
  final class Probe {
    final Writer in;
    final BufferedReader out;

    Probe(Process p) {
      in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
      out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    Counts read() throws IOException {
      in.write("\n");
      in.flush();
      String line = out.readLine();
      assertThat(line).as("the probe answered").isNotNull();
      JsonNode j = JSON.readTree(line);
      Map<String, Long> byPod = new LinkedHashMap<>();
      j.get("byPod").fields().forEachRemaining(e -> byPod.put(e.getKey(), e.getValue().asLong()));
      return new Counts(j.get("waiting").asLong(), j.get("inFlight").asLong(), byPod);
    }
  }

  Probe probe(Map<String, String> env, String... cmd) throws IOException {
    ProcessBuilder b = new ProcessBuilder(cmd).directory(FRAMEWORKS.toFile());
    b.redirectError(ProcessBuilder.Redirect.INHERIT);
    b.environment().putAll(env);
    Process p = b.start();
    processes.add(p);
    return new Probe(p);
  }

  record Counts(long waiting, long inFlight, Map<String, Long> byPod) {}

  Counts swell(QueueRef queue) throws Exception {
    Backlog b = swell.read(endpoint(), queue, PODS).toCompletableFuture().get(5, TimeUnit.SECONDS);
    return new Counts(b.backlog(), b.inFlight(), b.inFlightByPod());
  }

  Backlog backlog(QueueRef queue) throws Exception {
    return swell.read(endpoint(), queue, PODS).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  RedisConnection endpoint() {
    return new RedisConnection(redis.uri(), null);
  }

  /**
   * Reads the framework, Swell, the framework again, until the tasks are done; wherever the
   * framework's two reads agree (nothing moved meanwhile), Swell's read must equal them. At least
   * one such step must have both workers busy with work still waiting.
   */
  void agreeUntilDrained(Probe framework, QueueRef queue, boolean attributed) throws Exception {
    List<Counts> agreed = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    Counts last = null;
    while (System.nanoTime() < deadline) {
      Counts before = framework.read();
      Counts read = swell(queue);
      Counts after = framework.read();
      if (before.equals(after)) {
        Counts expected =
            attributed ? before : new Counts(before.waiting(), before.inFlight(), Map.of());
        assertThat(read)
            .as("Swell's read, with the framework's own before and after it")
            .isEqualTo(expected);
        agreed.add(before);
        last = before;
        if (before.waiting() == 0 && before.inFlight() == 0 && agreed.size() > 1) {
          break;
        }
      }
      Thread.sleep(150);
    }
    assertThat(agreed)
        .as("steps where both workers were busy and work waited")
        .anyMatch(
            c ->
                c.inFlight() == PODS.size()
                    && c.waiting() > 0
                    && (!attributed || c.byPod().equals(Map.of("pod-a", 1L, "pod-b", 1L))));
    assertThat(last).as("drained at the end").isEqualTo(new Counts(0, 0, Map.of()));
  }
}
