package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.testkit.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Both modes with every mount read-only, /tmp included: stricter than the pods, which have an
 * emptyDir on /tmp, so the app is known to write nothing at all. Each process gets its own mount
 * namespace (unshare, from util-linux), so the test machine is untouched. The JVM's own perf data
 * file is turned off (-XX:-UsePerfData), as it would otherwise go to /tmp.
 */
class ReadOnlyRootIT {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String READ_ONLY =
      """
      for m in $(awk '{print $2}' /proc/self/mounts | grep -Ev '^/(proc|sys|dev)(/|$)'); do
        mount -o remount,bind,ro "$m" 2>/dev/null || true
      done
      exec "$@"
      """;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Process start(String name, Map<String, String> env, Path log) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                READ_ONLY,
                "sh",
                System.getProperty("java.home") + "/bin/java",
                "-XX:-UsePerfData",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.swell.sample.SampleApp"));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("POD_NAME", name);
    return pb.start();
  }

  static HttpResponse<String> send(String method, int port, String path, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void apiAndWorkerServeWithEveryMountReadOnly() throws Exception {
    Path apiLog = Path.of("target", "readonly-api.log");
    Path workerLog = Path.of("target", "readonly-worker.log");
    int apiPort = freePort();
    int workerPort = freePort();
    try (RedisServer redis = RedisServer.plain().start()) {
      Map<String, String> common =
          Map.of(
              "REDIS_URL",
              redis.uri(),
              "QUEUE_KEY",
              "ro",
              "SOURCE_DELAY_MS",
              "5",
              "WORKER_IO_MILLIS",
              "5");
      Map<String, String> api = new HashMap<>(common);
      api.putAll(Map.of("SWELL_COMPONENT", "api", "PORT", String.valueOf(apiPort)));
      Map<String, String> worker = new HashMap<>(common);
      worker.putAll(Map.of("SWELL_COMPONENT", "worker", "PORT", String.valueOf(workerPort)));
      Process apiProcess = start("ro-api", api, apiLog);
      Process workerProcess = start("ro-worker", worker, workerLog);
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(
                () ->
                    send("GET", apiPort, "/readyz", null).statusCode() == 200
                        && send("GET", workerPort, "/healthz", null).statusCode() == 200);
        assertThat(send("GET", apiPort, "/products/5", null).headers().firstValue("X-Cache"))
            .hasValue("MISS");
        assertThat(send("GET", apiPort, "/products/5", null).headers().firstValue("X-Cache"))
            .hasValue("HIT");
        HttpResponse<String> posted = send("POST", apiPort, "/jobs", "{\"payload\":\"read-only\"}");
        assertThat(posted.statusCode()).isEqualTo(202);
        String id = new ObjectMapper().readTree(posted.body()).get("id").asText();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    send("GET", apiPort, "/jobs/" + id, null)
                        .body()
                        .contains("\"status\":\"done\""));
        assertThat(send("GET", workerPort, "/metrics", null).body())
            .contains("jobs_processed_total 1.0");
      } finally {
        apiProcess.destroy(); // SIGTERM, as the kubelet sends
        workerProcess.destroy();
        assertThat(apiProcess.waitFor(20, TimeUnit.SECONDS))
            .as("the api exits on SIGTERM")
            .isTrue();
        assertThat(workerProcess.waitFor(20, TimeUnit.SECONDS))
            .as("the worker exits on SIGTERM")
            .isTrue();
      }
      String output =
          Files.readString(apiLog, StandardCharsets.UTF_8)
              + Files.readString(workerLog, StandardCharsets.UTF_8);
      assertThat(output)
          .doesNotContainIgnoringCase("read-only file system")
          .doesNotContain("Exception");
      assertThat(Files.readString(workerLog, StandardCharsets.UTF_8)).contains("worker stopped");
    }
  }
}
