package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.testkit.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Real worker processes: one gets SIGTERM mid-batch, another is killed with -9, a fresh one starts.
 * Every job is then done exactly once (or dead), and none is lost.
 */
class WorkerCrashIT {

  static final int JOBS = 300;

  static Process worker(RedisServer redis, String pod) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(
            System.getProperty("java.home") + "/bin/java",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.swell.sample.SampleApp");
    pb.environment()
        .putAll(
            Map.of(
                "SWELL_COMPONENT",
                "worker",
                "REDIS_URL",
                redis.uri(),
                "QUEUE_KEY",
                "crash",
                "POD_NAME",
                pod,
                "PORT",
                String.valueOf(port),
                "WORKER_IO_MILLIS",
                "15",
                "WORKER_BATCH_SIZE",
                "10"));
    pb.redirectErrorStream(true).redirectOutput(new File("target/worker-" + pod + ".log"));
    return pb.start();
  }

  @Test
  void noJobIsLostOrDoneTwiceWhenWorkersAreStoppedAndKilled() throws Exception {
    try (RedisServer server = RedisServer.plain().start();
        Redis redis = new Redis(server.uri(), null)) {
      RedisCommands<String, String> r = redis.commands();
      Jobs jobs = new Jobs(redis, new Keys("crash"));
      ObjectMapper json = new ObjectMapper();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < JOBS; i++) {
        ids.add(jobs.push(json.readTree("{\"payload\":" + i + "}")));
      }
      Process graceful = worker(server, "w-term");
      Process killed = worker(server, "w-kill");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  r.get("crash:processed") != null
                      && Long.parseLong(r.get("crash:processed")) >= 60);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> r.llen("crash:processing:w-term") > 0 && r.llen("crash:processing:w-kill") > 0);
      graceful.destroy(); // SIGTERM: finish the batch in hand, then exit
      killed.destroyForcibly(); // SIGKILL: its batch is stranded
      assertThat(graceful.waitFor(30, TimeUnit.SECONDS))
          .as("the SIGTERMed worker exits in time")
          .isTrue();
      assertThat(r.llen("crash:processing:w-term")).as("it finished its batch").isZero();
      killed.waitFor(10, TimeUnit.SECONDS);
      // the killed worker's heartbeat expires; a fresh worker returns its items and carries on
      await().atMost(Duration.ofSeconds(20)).until(() -> r.exists("crash:worker:w-kill") == 0);
      Process fresh = worker(server, "w-new");
      try {
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    r.llen("crash") == 0
                        && r.llen("crash:processing:w-kill") == 0
                        && r.llen("crash:processing:w-new") == 0
                        && r.llen("crash:processing:w-term") == 0);
      } finally {
        fresh.destroy();
        fresh.waitFor(30, TimeUnit.SECONDS);
      }
      long dead = r.llen("crash:dead");
      List<String> notOnce = new ArrayList<>();
      for (String id : ids) {
        String completions = r.hget("crash:job:" + id, "completions");
        if (!"1".equals(completions)) {
          notOnce.add(id + "=" + completions);
        }
      }
      assertThat(notOnce).as("jobs not completed exactly once").hasSize((int) dead);
      assertThat(Long.parseLong(r.get("crash:processed")) + dead).isEqualTo(JOBS);
    }
  }
}
