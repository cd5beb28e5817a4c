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
    return worker(redis, "crash", pod, 10);
  }

  static Process worker(RedisServer redis, String queue, String pod, int batch) throws Exception {
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
                queue,
                "POD_NAME",
                pod,
                "PORT",
                String.valueOf(port),
                "WORKER_IO_MILLIS",
                "15",
                "WORKER_BATCH_SIZE",
                String.valueOf(batch)));
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
      // the killed worker's heartbeat gets older than its TTL; a fresh worker returns its items
      long beat = Long.parseLong(r.hget("crash:heartbeats", "w-kill"));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Long.parseLong(r.time().get(0)) * 1000 > beat + 10_000);
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

  static void signal(Process p, String signal) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor())
        .isZero();
  }

  @Test
  void aStalledWorkerDoesNotRunTheJobsTakenBackWhileItWasStopped() throws Exception {
    // A stall longer than the heartbeat's TTL (a long GC pause, SIGSTOP, a frozen node): another
    // worker takes the batch back and runs it. When the stalled one wakes, it may finish the job
    // it was in the middle of, but it starts none of the others.
    try (RedisServer server = RedisServer.plain().start();
        Redis redis = new Redis(server.uri(), null)) {
      RedisCommands<String, String> r = redis.commands();
      Jobs jobs = new Jobs(redis, new Keys("stall"));
      ObjectMapper json = new ObjectMapper();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ids.add(jobs.push(json.readTree("{\"payload\":" + i + ",\"workMillis\":1500}")));
      }
      Process stalled = worker(server, "stall", "w-stalled", 6);
      Process other = null;
      try {
        await("the batch claimed")
            .atMost(Duration.ofSeconds(30))
            .until(() -> "processing".equals(r.hget("stall:job:" + ids.get(5), "status")));
        Thread.sleep(2000); // in the second job (1.5 s each; the batch completes as one)
        signal(stalled, "STOP");
        assertThat(r.hget("stall:job:" + ids.get(0), "status"))
            .as("a slow batch completes as it goes")
            .isEqualTo("done");
        assertThat(r.llen("stall:processing:w-stalled")).as("the rest in hand").isEqualTo(5);
        other = worker(server, "stall", "w-other", 1);
        await("the other worker takes the batch back once the heartbeat is gone, and runs it")
            .atMost(Duration.ofSeconds(60))
            .until(() -> r.get("stall:processed") != null && r.get("stall:processed").equals("6"));
        signal(stalled, "CONT");
        await("the woken worker lets go of what it no longer holds")
            .atMost(Duration.ofSeconds(20))
            .until(() -> r.llen("stall:processing:w-stalled") == 0);
        Thread.sleep(3000); // time to have started the next job of its old batch
      } finally {
        signal(stalled, "CONT");
        stalled.destroy();
        stalled.waitFor(30, TimeUnit.SECONDS);
        if (other != null) {
          other.destroy();
          other.waitFor(30, TimeUnit.SECONDS);
        }
      }
      List<String> ranTwice = new ArrayList<>();
      for (String id : ids) {
        assertThat(r.hget("stall:job:" + id, "completions"))
            .as("completions of " + id)
            .isEqualTo("1");
        if (!"1".equals(r.hget("stall:job:" + id, "runs"))) {
          ranTwice.add(id + " ran " + r.hget("stall:job:" + id, "runs"));
        }
      }
      assertThat(ranTwice)
          .as("only the job in hand at the stall may run twice")
          .hasSizeLessThanOrEqualTo(1);
      assertThat(r.get("stall:processed")).isEqualTo("6");
    }
  }
}
